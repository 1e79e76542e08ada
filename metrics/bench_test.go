package metrics_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/metrics"
	"github.com/spuffbot/spuffbot/providers/demo"
)

func TestConcurrentRecordAndScrape(t *testing.T) {
	m := metrics.New()
	p := m.Instrument(demo.New(demo.Config{}))
	m.SetSnapshotFunc(func(context.Context) (metrics.Snapshot, error) {
		return metrics.Snapshot{Running: map[string]int{"demo": 1}}, nil
	})
	const workers, each = 4, 50
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				m.CommandDone("list", metrics.OutcomeOK)
				m.ObserveAck(time.Millisecond)
				if _, err := p.ListInstances(context.Background()); err != nil {
					t.Errorf("ListInstances: %v", err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 10 {
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		}
	})
	wg.Wait()
	f := scrape(t, m)
	if got := f.mustValue(t, "spuffbot_commands_total", map[string]string{"verb": "list", "outcome": "ok"}); got != workers*each {
		t.Errorf("spuffbot_commands_total{verb=list,outcome=ok} = %v, want %v", got, workers*each)
	}
	if got := f.mustValue(t, "spuffbot_ack_seconds", map[string]string{}); got != workers*each {
		t.Errorf("spuffbot_ack_seconds count = %v, want %v", got, workers*each)
	}
}

func BenchmarkCommandDone(b *testing.B) {
	m := metrics.New()
	for b.Loop() {
		m.CommandDone("up", metrics.OutcomeOK)
	}
}

func BenchmarkObserveAck(b *testing.B) {
	m := metrics.New()
	for b.Loop() {
		m.ObserveAck(3 * time.Millisecond)
	}
}

// BenchmarkInstrumentOverhead is a demo call through the wrapper; compare
// with the demo package's own benchmarks for the cost of the wrapper.
func BenchmarkInstrumentOverhead(b *testing.B) {
	ctx := context.Background()
	p := metrics.New().Instrument(demo.New(demo.Config{}))
	for b.Loop() {
		if _, err := p.GetInstance(ctx, "demo-1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScrape(b *testing.B) {
	m := metrics.New()
	m.SetSnapshotFunc(func(context.Context) (metrics.Snapshot, error) {
		return metrics.Snapshot{Running: map[string]int{"aws": 2, "hetzner": 5}, SpendPerHour: map[string]float64{"aws": 0.08, "hetzner": 0.04}}, nil
	})
	for _, v := range []string{"up", "down", "list", "status"} {
		m.CommandDone(v, metrics.OutcomeOK)
	}
	h := m.Handler()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if _, err := io.Copy(io.Discard, rec.Body); err != nil {
			b.Fatal(err)
		}
	}
}
