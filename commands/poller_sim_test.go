package commands

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// simCloud is a cloud on a simulated clock for BenchmarkReadiness: each
// instance becomes active with an IP a boot time after it was created,
// and every request takes latency of simulated time, spent by the caller.
type simCloud struct {
	providers.Provider // only ListInstances and GetInstance are called
	clock              *fakeClock
	latency            time.Duration
	pageSize           int

	mu       sync.Mutex
	ready    map[string]time.Time // when each instance is ready
	seen     map[string]time.Time // when a response first showed it ready
	requests int
}

func (c *simCloud) add(id string, readyAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ready[id] = readyAt
}

// call spends the latency of one request and returns the simulated time
// the cloud looked at its state: half way through.
func (c *simCloud) call() time.Time {
	c.clock.Advance(c.latency / 2)
	at := c.clock.Now()
	c.clock.Advance(c.latency - c.latency/2)
	c.mu.Lock()
	c.requests++
	c.mu.Unlock()
	return at
}

func (c *simCloud) instance(id string, at time.Time) *providers.Instance {
	in := &providers.Instance{ID: id, Status: providers.StatusNew}
	if !at.Before(c.ready[id]) {
		in.Status, in.IP = providers.StatusActive, "203.0.113.7"
		if _, ok := c.seen[id]; !ok {
			c.seen[id] = c.clock.Now()
		}
	}
	return in
}

func (c *simCloud) ListInstances(context.Context) ([]providers.Instance, error) {
	at := c.call()
	for range (len(c.ready)+c.pageSize-1)/c.pageSize - 1 {
		c.call() // further pages
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]providers.Instance, 0, len(c.ready))
	for id := range c.ready {
		out = append(out, *c.instance(id, at))
	}
	return out, nil
}

func (c *simCloud) GetInstance(_ context.Context, id string) (*providers.Instance, error) {
	at := c.call()
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.ready[id]; !ok {
		return nil, nil
	}
	return c.instance(id, at), nil
}

// simDriver moves the simulated clock: it replaces the poller's timer and
// fires it when the clock reaches the deadline asked for.
type simDriver struct {
	fire chan time.Time

	mu       sync.Mutex
	deadline time.Time
	sleeps   int
}

func (d *simDriver) sleep(dur time.Duration, now time.Time) (<-chan time.Time, func() bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.deadline, d.sleeps = now.Add(max(dur, 0)), d.sleeps+1
	return d.fire, func() bool { return true }
}

func (d *simDriver) state() (time.Time, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.deadline, d.sleeps
}

// simBoot is one scenario of BenchmarkReadiness.
type simBoot struct {
	cloud    string
	boot     time.Duration // mean boot time; each is within ±20% of it
	latency  time.Duration // of one request
	vms      int
	spread   time.Duration // creates are spread evenly over this
	existing int           // other instances of the cloud, not booting
}

// BenchmarkReadiness runs the readiness poller at its production defaults
// (Config zero values) on a simulated clock, against clouds whose
// instances boot in realistic times: DigitalOcean about 40 s, Hetzner
// about 15 s, AWS about 25 s, each ±20%. Scenarios: one VM at a time
// (creates far apart), 50 VMs created within 10 s, and one VM at a time
// in a cloud that already runs 2,000 (lists take many pages). It reports
// how long after the cloud had an instance ready the poller saw it (p50,
// p99, max, in simulated seconds), the requests per boot, and the peak
// request rate over any hour of the run (one request per list page or get).
func BenchmarkReadiness(b *testing.B) {
	scenarios := []simBoot{
		{cloud: "digitalocean", boot: 40 * time.Second, latency: 400 * time.Millisecond, vms: 40, spread: 40 * 3 * time.Minute},
		{cloud: "digitalocean", boot: 40 * time.Second, latency: 400 * time.Millisecond, vms: 50, spread: 10 * time.Second},
		{cloud: "digitalocean", boot: 40 * time.Second, latency: 400 * time.Millisecond, vms: 40, spread: 40 * 3 * time.Minute, existing: 2000},
		{cloud: "hetzner", boot: 15 * time.Second, latency: 300 * time.Millisecond, vms: 40, spread: 40 * time.Minute},
		{cloud: "hetzner", boot: 15 * time.Second, latency: 300 * time.Millisecond, vms: 50, spread: 10 * time.Second},
		{cloud: "hetzner", boot: 15 * time.Second, latency: 300 * time.Millisecond, vms: 40, spread: 40 * time.Minute, existing: 2000},
		{cloud: "aws", boot: 25 * time.Second, latency: 500 * time.Millisecond, vms: 40, spread: 40 * 2 * time.Minute},
		{cloud: "aws", boot: 25 * time.Second, latency: 500 * time.Millisecond, vms: 50, spread: 10 * time.Second},
	}
	for _, sc := range scenarios {
		name := fmt.Sprintf("%s/vms=%d/spread=%s/existing=%d", sc.cloud, sc.vms, sc.spread, sc.existing)
		b.Run(name, func(b *testing.B) {
			var r simResult
			seed := uint64(0)
			for b.Loop() {
				seed++
				r.add(runSim(b, sc, seed))
			}
			r.report(b)
		})
	}
}

type simResult struct {
	delays   []time.Duration
	requests int
	boots    int
	peak     float64 // requests in the busiest hour
}

func (r *simResult) add(o simResult) {
	r.delays = append(r.delays, o.delays...)
	r.requests += o.requests
	r.boots += o.boots
	r.peak = max(r.peak, o.peak)
}

func (r *simResult) report(b *testing.B) {
	slices.Sort(r.delays)
	pct := func(q float64) float64 {
		return r.delays[min(len(r.delays)-1, int(q*float64(len(r.delays))))].Seconds()
	}
	b.ReportMetric(pct(0.50), "p50-delay-s")
	b.ReportMetric(pct(0.99), "p99-delay-s")
	b.ReportMetric(r.delays[len(r.delays)-1].Seconds(), "max-delay-s")
	b.ReportMetric(float64(r.requests)/float64(r.boots), "requests/boot")
	b.ReportMetric(r.peak, "peak-requests/h")
}

// runSim plays one scenario and returns what it measured.
func runSim(b *testing.B, sc simBoot, seed uint64) simResult {
	b.Helper()
	clock := newClock()
	start := clock.Now()
	rng := rand.New(rand.NewPCG(seed, 18))
	cloud := &simCloud{clock: clock, latency: sc.latency, pageSize: limitsOf(sc.cloud).pageSize,
		ready: map[string]time.Time{}, seen: map[string]time.Time{}}
	for i := range sc.existing {
		cloud.add("old-"+strconv.Itoa(i), start)
	}
	svc := New(Config{Logger: slog.New(slog.DiscardHandler), Now: clock.Now}, nil,
		map[string]providers.Provider{sc.cloud: cloud}, nil)
	drv := &simDriver{fire: make(chan time.Time)}
	svc.pollers.sleep = func(d time.Duration) (<-chan time.Time, func() bool) { return drv.sleep(d, clock.Now()) }
	pl := svc.pollers.get(sc.cloud, cloud)

	type boot struct {
		id      string
		created time.Time
		readyAt time.Time
	}
	boots := make([]boot, sc.vms)
	for i := range boots {
		created := start.Add(time.Duration(i) * sc.spread / time.Duration(sc.vms))
		boots[i] = boot{id: "vm-" + strconv.Itoa(i), created: created,
			readyAt: created.Add(time.Duration(float64(sc.boot) * (0.8 + 0.4*rng.Float64())))}
	}
	var (
		mu       sync.Mutex
		answered int
		failures []error
		reqTimes []time.Time
	)
	idle := func() bool {
		pl.mu.Lock()
		defer pl.mu.Unlock()
		return !pl.running
	}
	// settle waits until the poller sleeps again (its count passes n) or
	// stops.
	settle := func(n int) {
		for {
			if _, s := drv.state(); s > n || idle() {
				return
			}
			runtime.Gosched()
		}
	}
	next := 0
	for {
		mu.Lock()
		done := answered == sc.vms
		mu.Unlock()
		if done {
			break
		}
		deadline, sleeps := drv.state()
		polling := !idle()
		switch {
		case next < len(boots) && (!polling || !boots[next].created.After(deadline)):
			bt := boots[next]
			next++
			if now := clock.Now(); bt.created.After(now) {
				clock.Advance(bt.created.Sub(now))
			}
			cloud.add(bt.id, bt.readyAt)
			n := pl.waiting()
			go func() {
				_, err := pl.wait(context.Background(), bt.id)
				mu.Lock()
				defer mu.Unlock()
				answered++
				if err != nil {
					failures = append(failures, err)
				}
			}()
			for pl.waiting() != n+1 {
				runtime.Gosched()
			}
			settle(sleeps)
		case polling:
			if now := clock.Now(); deadline.After(now) {
				clock.Advance(deadline.Sub(now))
			}
			before := cloud.requestCount()
			drv.fire <- clock.Now()
			settle(sleeps)
			for range cloud.requestCount() - before {
				reqTimes = append(reqTimes, clock.Now())
			}
		default:
			// Everything created, nothing polling: the answers are on
			// their way to the waiters.
			runtime.Gosched()
		}
	}
	svc.Wait()
	if len(failures) > 0 {
		b.Fatalf("waits failed: %v", failures)
	}
	r := simResult{boots: sc.vms, requests: cloud.requestCount()}
	for _, bt := range boots {
		seen, ok := cloud.seen[bt.id]
		if !ok {
			b.Fatalf("%s answered but never seen ready", bt.id)
		}
		r.delays = append(r.delays, seen.Sub(bt.readyAt))
	}
	for i, t := range reqTimes {
		j, _ := slices.BinarySearchFunc(reqTimes, t.Add(time.Hour), func(a, t time.Time) int { return a.Compare(t) })
		r.peak = max(r.peak, float64(j-i))
	}
	return r
}

func (c *simCloud) requestCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}
