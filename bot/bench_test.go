package bot

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

// slowCloud is a cloud whose create call takes its time, as a real
// cloud's does. The catalog is the demo cloud's; instances are kept here
// so that any number of them fit (the demo cloud has 254 addresses), and
// are active with an address as soon as they exist.
type slowCloud struct {
	*demo.Provider
	delay time.Duration

	mu        sync.Mutex
	seq       int
	instances map[string]providers.Instance
}

func newSlowCloud(d *demo.Provider, delay time.Duration) *slowCloud {
	return &slowCloud{Provider: d, delay: delay, instances: make(map[string]providers.Instance)}
}

func (c *slowCloud) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	t := time.NewTimer(c.delay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	in := providers.Instance{ID: fmt.Sprintf("slow-%d", c.seq), Name: req.Name, Status: providers.StatusActive,
		IP: fmt.Sprintf("203.0.113.%d", 1+c.seq%254), Region: req.Region, Size: req.Size, Labels: req.Labels}
	c.instances[in.ID] = in
	return &in, nil
}

func (c *slowCloud) GetInstance(_ context.Context, id string) (*providers.Instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	in, ok := c.instances[id]
	if !ok {
		return nil, nil
	}
	return &in, nil
}

func (c *slowCloud) ListInstances(context.Context) ([]providers.Instance, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]providers.Instance, 0, len(c.instances))
	for _, in := range c.instances {
		out = append(out, in)
	}
	return out, nil
}

func (c *slowCloud) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	return c.GetInstance(ctx, id)
}

func (c *slowCloud) DestroyInstance(_ context.Context, id string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.instances, id)
	return nil
}

// BenchmarkAckLatency reports the time from an envelope leaving Slack to
// its ack arriving (p50, p99, max) for /spuff up while every create call
// takes 2 s: in bursts of 500 commands sent at once, and for 500 commands
// sent one after another while the earlier ones' creates are running.
func BenchmarkAckLatency(b *testing.B) {
	slow := func(s *setup) {
		s.provider = func(d *demo.Provider) providers.Provider { return newSlowCloud(d, 2*time.Second) }
	}
	b.Run("burst500", func(b *testing.B) {
		h := newHarness(b, slow)
		var lat []time.Duration
		for i := 0; b.Loop(); i++ {
			ids := make([]string, 0, 500)
			for j := range 500 {
				ids = append(ids, h.sendUp(fmt.Sprintf("U%03d%04d", i%1000, j)))
			}
			for _, id := range ids {
				lat = append(lat, h.ackLatency(id))
			}
		}
		reportLatency(b, lat)
	})
	b.Run("serial500", func(b *testing.B) {
		h := newHarness(b, slow)
		var lat []time.Duration
		for i := 0; b.Loop(); i++ {
			for j := range 500 {
				lat = append(lat, h.ackLatency(h.sendUp(fmt.Sprintf("U%03d%04d", i%1000, j))))
			}
		}
		reportLatency(b, lat)
	})
}

// sendUp sends /spuff up as user and returns the envelope id.
func (h *harness) sendUp(user string) string {
	h.t.Helper()
	id, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: user, Text: "up --ttl 1h"})
	if err != nil {
		h.t.Fatal(err)
	}
	return id
}

// ackLatency waits for the ack of envelope id and returns how long it took.
func (h *harness) ackLatency(id string) time.Duration {
	h.t.Helper()
	a, err := h.slack.WaitAck(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	if a.Decoded.Text != "" {
		h.t.Fatalf("up acked with %q, want an empty ack", a.Decoded.Text)
	}
	return a.At.Sub(a.SentAt)
}

func reportLatency(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(pct(1), "max-ms")
	b.ReportMetric(0, "ns/op") // a burst's duration is not the point
}
