package commands

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

// catalogCounter counts the Catalog calls made to the provider it wraps,
// and fails them while fail is set.
type catalogCounter struct {
	providers.Provider
	calls atomic.Int32
	fail  atomic.Bool
}

var errCatalogDown = errors.New("catalog down")

func (c *catalogCounter) Catalog(ctx context.Context) (*providers.Catalog, error) {
	c.calls.Add(1)
	if c.fail.Load() {
		return nil, errCatalogDown
	}
	return c.Provider.Catalog(ctx)
}

// countCatalogs builds an env whose demo cloud counts Catalog calls.
func countCatalogs(t *testing.T, opts ...func(*envOptions)) (*env, *catalogCounter) {
	t.Helper()
	var counter *catalogCounter
	wrap := func(o *envOptions) {
		o.wrap = func(p *demo.Provider) providers.Provider {
			counter = &catalogCounter{Provider: p}
			return counter
		}
	}
	return newEnv(t, append([]func(*envOptions){wrap}, opts...)...), counter
}

// settle waits until no Catalog call of provider runs.
func (c *catalogCache) settle(provider string) {
	c.mu.Lock()
	f := c.flights[provider]
	c.mu.Unlock()
	if f != nil {
		<-f.done
	}
}

// sizesBurst runs n `/spuff sizes` at once and waits for their answers.
func sizesBurst(t *testing.T, e *env, n int) {
	t.Helper()
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			r, err := e.svc.Handle(e.ctx, "", caller("U01"), grammar.Command{Verb: grammar.VerbSizes})
			if err == nil && r.Followup != nil {
				r, err = r.Followup(e.ctx)
			}
			if err != nil || r.Sizes == nil {
				t.Errorf("sizes = %+v, %v; want the sizes", r, err)
			}
		})
	}
	wg.Wait()
}

// TestCatalogSingleFlight has 100 `/spuff sizes` arrive at once: on a
// stale catalog they are answered from it while exactly one refresh runs;
// on none, they all wait for one Catalog call.
func TestCatalogSingleFlight(t *testing.T) {
	tests := []struct {
		name  string
		warm  bool
		stale time.Duration
	}{
		{"stale catalog", true, catalogTTL + time.Minute},
		{"no catalog yet", false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []func(*envOptions)
			if !tt.warm {
				opts = append(opts, noWarm)
			}
			e, counter := countCatalogs(t, opts...)
			before := counter.calls.Load()
			e.clock.Advance(tt.stale)
			sizesBurst(t, e, 100)
			e.svc.catalogs.settle("demo")
			if got := counter.calls.Load() - before; got != 1 {
				t.Errorf("Catalog calls for 100 concurrent sizes = %d, want 1", got)
			}
		})
	}
}

// TestCatalogRetryAfterFailure checks that a stale catalog whose refresh
// failed is served as it is, and refreshed again only catalogRetryAfter
// later.
func TestCatalogRetryAfterFailure(t *testing.T) {
	e, counter := countCatalogs(t)
	c := e.svc.catalogs
	e.clock.Advance(catalogTTL + time.Minute)
	counter.fail.Store(true)
	calls := func() int32 { c.settle("demo"); return counter.calls.Load() }
	start := calls()

	steps := []struct {
		advance time.Duration
		want    int32 // Catalog calls since start
	}{
		{0, 1},                               // the first look refreshes, which fails
		{0, 1},                               // no retry at once
		{catalogRetryAfter - time.Second, 1}, // nor just before the interval
		{time.Second, 2},                     // the interval is up: one more
		{0, 2},
	}
	for i, st := range steps {
		e.clock.Advance(st.advance)
		for range 10 {
			if cat, ok := c.cached("demo"); !ok || cat == nil {
				t.Fatalf("step %d: cached = %v, %v; want the stale catalog", i, cat, ok)
			}
		}
		if got := calls() - start; got != st.want {
			t.Errorf("step %d: Catalog calls = %d, want %d", i, got, st.want)
		}
	}
	counter.fail.Store(false)
	e.clock.Advance(catalogRetryAfter)
	c.cached("demo")
	if got := calls() - start; got != 3 {
		t.Errorf("Catalog calls after the cloud came back = %d, want 3", got)
	}
	c.cached("demo")
	if got := calls() - start; got != 3 {
		t.Errorf("Catalog calls once refreshed = %d, want 3 (fresh catalogs are not fetched)", got)
	}
}
