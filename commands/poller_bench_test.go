package commands

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// Scale of BenchmarkConcurrentUps: 50 ups at once against the DigitalOcean
// emulator, and a first poll interval of 50ms for both ways of waiting.
const (
	benchUps  = 50
	benchPoll = 50 * time.Millisecond
)

// BenchmarkConcurrentUps runs 50 concurrent ups per iteration against the
// DigitalOcean emulator through the real godo-based provider, with
// droplets that boot in 50ms (about one poll interval) and in 500ms (ten
// intervals; real droplets take tens). It reports the provider API calls
// per up (every HTTP call the emulator served, divided by 50) and how late
// the IP arrives: the time from the moment the cloud has it (at the latest
// the create call's start plus the boot time) to the moment it is seen, at
// the 50th and 99th percentile.
//
//   - per-instance: each up waits with the provider's own WaitReady, which
//     polls its droplet with GET /v2/droplets/{id}; seen when WaitReady
//     returns.
//   - shared-poller: each up runs through Service.Handle and Run, whose
//     poller lists the spuff droplets once per interval for all of them;
//     seen when the Service emits EventReady.
func BenchmarkConcurrentUps(b *testing.B) {
	for _, boot := range []time.Duration{50 * time.Millisecond, 500 * time.Millisecond} {
		b.Run("boot="+boot.String(), func(b *testing.B) {
			b.Run("per-instance", func(b *testing.B) { benchPerInstance(b, boot) })
			b.Run("shared-poller", func(b *testing.B) { benchSharedPoller(b, boot) })
		})
	}
}

func benchPerInstance(b *testing.B, boot time.Duration) {
	emu, p, size, region := benchCloud(b, boot)
	benchUpsLoop(b, emu, p, func(ctx context.Context, iter int) []time.Duration {
		delays := make([]time.Duration, benchUps)
		var wg sync.WaitGroup
		for i := range benchUps {
			wg.Go(func() {
				start := time.Now()
				in, err := p.CreateInstance(ctx, providers.InstanceRequest{
					Name: fmt.Sprintf("bench-%d-%d", iter, i), Size: size, Region: region,
					Labels: map[string]string{providers.LabelOwner: "bench"},
				})
				if err != nil {
					b.Errorf("CreateInstance: %v", err)
					return
				}
				if _, err := p.WaitReady(ctx, in.ID); err != nil {
					b.Errorf("WaitReady(%s): %v", in.ID, err)
				}
				delays[i] = time.Since(start) - boot
			})
		}
		wg.Wait()
		return delays
	})
}

func benchSharedPoller(b *testing.B, boot time.Duration) {
	emu, p, _, _ := benchCloud(b, boot)
	db, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), bolt.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	times := &benchTimes{creating: map[string]time.Time{}, ready: map[string]time.Time{}}
	svc := New(Config{MaxInstancesPerUser: -1, PollInterval: benchPoll, Logger: slog.New(slog.DiscardHandler)},
		db, map[string]providers.Provider{digitalocean.Name: p}, times)
	svc.Warm(b.Context())
	b.Cleanup(svc.Wait)
	benchUpsLoop(b, emu, p, func(ctx context.Context, iter int) []time.Duration {
		ops := make([]string, benchUps)
		var wg sync.WaitGroup
		for i := range benchUps {
			wg.Go(func() {
				r, err := svc.Handle(ctx, "", Caller{User: "U0BENCH", Channel: "C0BENCH"},
					grammar.Command{Verb: grammar.VerbUp, Name: fmt.Sprintf("bench-%d-%d", iter, i)})
				if err != nil {
					b.Errorf("Handle: %v", err)
					return
				}
				ops[i] = r.Op.ID
				svc.Run(ctx, r.Op.ID)
			})
		}
		wg.Wait()
		return times.delays(b, ops, boot)
	})
}

// benchCloud starts a DigitalOcean emulator and a provider for it, and
// returns a size and region the catalog offers.
func benchCloud(b *testing.B, boot time.Duration) (*providertest.DigitalOcean, *digitalocean.Provider, string, string) {
	b.Helper()
	emu := providertest.NewDigitalOcean()
	b.Cleanup(emu.Close)
	emu.SetReadyAfter(boot)
	p, err := digitalocean.New(digitalocean.Config{Token: secret.New("bench-token"), BaseURL: emu.URL, PollInterval: benchPoll})
	if err != nil {
		b.Fatal(err)
	}
	cat, err := p.Catalog(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	size, region, err := resolveSizeRegion(cat, Defaults{}, "", "")
	if err != nil {
		b.Fatal(err)
	}
	return emu, p, size.Slug, region
}

// benchUpsLoop runs ups once per iteration, counts the API calls it makes
// and collects the delays it returns, then reports them. Between
// iterations it destroys the droplets, untimed and uncounted.
func benchUpsLoop(b *testing.B, emu *providertest.DigitalOcean, p *digitalocean.Provider, ups func(ctx context.Context, iter int) []time.Duration) {
	ctx := b.Context()
	var all []time.Duration
	calls, iter := 0, 0
	for b.Loop() {
		emu.ResetCalls()
		all = append(all, ups(ctx, iter)...)
		calls += emu.TotalCalls()
		iter++
		b.StopTimer()
		for _, d := range emu.Droplets() {
			if err := p.DestroyInstance(ctx, fmt.Sprint(d.ID)); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
	}
	slices.Sort(all)
	pct := func(q float64) float64 {
		return float64(all[min(len(all)-1, int(q*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(calls)/float64(iter*benchUps), "calls/up")
	b.ReportMetric(pct(0.50), "p50-ip-delay-ms")
	b.ReportMetric(pct(0.99), "p99-ip-delay-ms")
}

// benchTimes is a Notifier that notes when each up started creating and
// when it was ready.
type benchTimes struct {
	mu       sync.Mutex
	creating map[string]time.Time
	ready    map[string]time.Time
}

func (t *benchTimes) Notify(_ context.Context, ev Event) {
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev.Kind {
	case EventCreating:
		t.creating[ev.Op.ID] = now
	case EventReady:
		t.ready[ev.Op.ID] = now
	case EventFailed:
		t.ready[ev.Op.ID] = time.Time{}
	}
}

// delays returns, per operation, how long after its droplet booted (the
// create's start plus the boot time) the Service reported it ready.
func (t *benchTimes) delays(b *testing.B, ops []string, boot time.Duration) []time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]time.Duration, 0, len(ops))
	for _, id := range ops {
		ready, ok := t.ready[id]
		if !ok || ready.IsZero() {
			b.Errorf("operation %s never got ready", id)
			continue
		}
		out = append(out, ready.Sub(t.creating[id].Add(boot)))
	}
	return out
}
