package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

// stepper replaces the poller's timer: every wait the poller asks for is
// recorded, and nothing fires until the test steps it.
type stepper struct {
	t    *testing.T
	fire chan time.Time

	mu    sync.Mutex
	asked []time.Duration // not read yet
	total int             // waits ever asked
}

func newStepper(t *testing.T) *stepper {
	return &stepper{t: t, fire: make(chan time.Time)}
}

func (s *stepper) sleep(d time.Duration) (<-chan time.Time, func() bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, d)
	s.total++
	return s.fire, func() bool { return true }
}

func (s *stepper) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// step ends the poller's current wait and returns once the list that
// follows is done: the poller asked for its next wait, or stopped.
func (s *stepper) step(stopped func() bool) {
	s.t.Helper()
	n := s.count()
	select {
	case s.fire <- time.Time{}:
	case <-time.After(10 * time.Second):
		s.t.Fatal("the poller is not waiting")
	}
	testsync.Until(s.t, "the list to end", func() bool { return s.count() > n || stopped() })
}

// next returns the oldest wait not read yet, waiting for one if need be.
func (s *stepper) next() time.Duration {
	s.t.Helper()
	var d time.Duration
	testsync.Until(s.t, "a wait", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.asked) == 0 {
			return false
		}
		d, s.asked = s.asked[0], s.asked[1:]
		return true
	})
	return d
}

// latest returns the last wait asked and forgets the others.
func (s *stepper) latest() time.Duration {
	s.t.Helper()
	d := s.next()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.asked) > 0 {
		d = s.asked[len(s.asked)-1]
	}
	s.asked = nil
	return d
}

// pollEnv is an env whose readiness poller is stepped by hand, with a
// PollInterval of 1s and instances that take an hour of the fake clock to
// boot.
type pollEnv struct {
	*env
	step *stepper
}

func newPollEnv(t *testing.T) *pollEnv {
	t.Helper()
	e := newEnv(t, withConfig(func(c *Config) { c.PollInterval = time.Second }))
	st := newStepper(t)
	e.svc.pollers.sleep = st.sleep
	e.cloud.SetReadyAfter(time.Hour)
	return &pollEnv{env: e, step: st}
}

func (e *pollEnv) poller() *poller { return e.svc.pollers.get("demo", e.cloud) }

// limit gives the demo cloud's poller the rate limit of cloud, which the
// demo cloud does not have, and returns it.
func (e *pollEnv) limit(cloud string) cloudLimits {
	l := limitsOf(cloud)
	pl := e.poller()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.limits, pl.budget = l, newBudget(l, e.clock.Now())
	return l
}

// boot creates an instance at the demo cloud and returns its id.
func (e *pollEnv) boot() string {
	e.t.Helper()
	return e.sneakIn(e.cloud, "box", nil)
}

type waitOutcome struct {
	in  *providers.Instance
	err error
}

// wait starts waiting for id and returns where the outcome arrives, once
// the poller counts the waiter.
func (e *pollEnv) wait(ctx context.Context, id string) <-chan waitOutcome {
	e.t.Helper()
	out := make(chan waitOutcome, 1)
	n := e.poller().waiting()
	go func() {
		in, err := e.svc.waitReady(ctx, "demo", e.cloud, id)
		out <- waitOutcome{in, err}
	}()
	testsync.Until(e.t, fmt.Sprintf("%d waiters", n+1), func() bool { return e.poller().waiting() == n+1 })
	return out
}

// stepPoll runs one list of the poller.
func (e *pollEnv) stepPoll() {
	e.t.Helper()
	e.step.step(e.idle)
}

func (e *pollEnv) lists() int { return e.cloud.Calls()[demo.OpListInstances] }

func (e *pollEnv) idle() bool {
	pl := e.poller()
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return !pl.running
}

func outcome(t *testing.T, c <-chan waitOutcome) waitOutcome {
	t.Helper()
	select {
	case o := <-c:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("waiter not answered")
		return waitOutcome{}
	}
}

func TestPollerOneListWakesAll(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	const n = 20
	ids := make([]string, n)
	outs := make([]<-chan waitOutcome, n)
	for i := range n {
		ids[i] = e.boot()
		outs[i] = e.wait(e.ctx, ids[i])
	}
	if got := e.lists(); got != 0 {
		t.Fatalf("lists before the first interval = %d, want 0", got)
	}
	e.clock.Advance(time.Hour) // every instance is up
	e.stepPoll()
	for i := range n {
		o := outcome(t, outs[i])
		if o.err != nil || o.in == nil || o.in.ID != ids[i] || !o.in.Ready() {
			t.Errorf("waiter %d = %+v, %v; want %s ready", i, o.in, o.err, ids[i])
		}
	}
	if got := e.lists(); got != 1 {
		t.Errorf("lists to wake %d waiters = %d, want 1", n, got)
	}
	if got := e.cloud.Calls()[demo.OpGetInstance] + e.cloud.Calls()[demo.OpWaitReady]; got != 0 {
		t.Errorf("per-instance calls = %d, want 0", got)
	}
	testsync.Until(t, "the poller to stop", e.idle)
}

func TestPollerInterval(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	e.limit("digitalocean") // learning boot times saves requests only where they count
	first := e.wait(e.ctx, e.boot())
	// Nothing learned yet: every interval while it boots, without growing.
	for i := range 5 {
		if got := e.step.next(); got != time.Second {
			t.Errorf("wait %d = %s, want 1s", i, got)
		}
		e.stepPoll()
	}
	e.step.next()
	e.clock.Advance(time.Hour) // it boots
	e.stepPoll()
	if o := outcome(t, first); o.err != nil {
		t.Fatalf("waiter = %v, want ready", o.err)
	}
	testsync.Until(t, "the poller to stop", e.idle)
	if got := e.lists(); got != 6 {
		t.Errorf("lists = %d, want 6", got)
	}

	// The poller learned that instances take an hour: the next one is not
	// asked about for three quarters of it, then every interval again.
	second := e.wait(e.ctx, e.boot())
	if got := e.step.next(); got != 45*time.Minute {
		t.Errorf("first wait after learning a 1h boot = %s, want 45m", got)
	}
	e.clock.Advance(45 * time.Minute)
	e.stepPoll()
	if got := e.step.next(); got != time.Second {
		t.Errorf("wait once due = %s, want 1s", got)
	}
	e.clock.Advance(15 * time.Minute)
	e.stepPoll()
	if o := outcome(t, second); o.err != nil {
		t.Errorf("second waiter = %v, want ready", o.err)
	}
	if got := e.lists(); got != 8 {
		t.Errorf("lists = %d, want 8 (two for the second boot)", got)
	}
}

func TestPollerCancel(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	ctx, cancel := context.WithCancel(e.ctx)
	quitter := e.wait(ctx, e.boot())
	stayer := e.wait(e.ctx, e.boot())
	cancel()
	if o := outcome(t, quitter); !errors.Is(o.err, context.Canceled) {
		t.Errorf("cancelled waiter = %v, want context.Canceled", o.err)
	}
	if got := e.poller().waiting(); got != 1 {
		t.Errorf("waiters after one left = %d, want 1", got)
	}
	e.clock.Advance(time.Hour)
	e.stepPoll()
	if o := outcome(t, stayer); o.err != nil || !o.in.Ready() {
		t.Errorf("other waiter = %+v, %v; want ready", o.in, o.err)
	}
	testsync.Until(t, "the poller to stop", e.idle)

	// The last waiter leaving stops the poller without a list.
	ctx, cancel = context.WithCancel(e.ctx)
	alone := e.wait(ctx, e.boot())
	before := e.lists()
	cancel()
	outcome(t, alone)
	testsync.Until(t, "the poller to stop", e.idle)
	if got := e.lists() - before; got != 0 {
		t.Errorf("lists after the last waiter left = %d, want 0", got)
	}
}

func TestPollerInstanceGone(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	id := e.boot()
	seen := e.wait(e.ctx, id)
	never := e.wait(e.ctx, "demo-999")
	e.stepPoll() // id seen booting; demo-999 missed once
	e.cloud.Remove(id)
	e.stepPoll() // id gone; demo-999 missed twice
	if o := outcome(t, seen); !errors.Is(o.err, providers.ErrNotFound) {
		t.Errorf("waiter of a removed instance = %v, want ErrNotFound", o.err)
	}
	select {
	case o := <-never:
		t.Fatalf("waiter of an instance never listed answered after two lists: %v", o.err)
	default:
	}
	e.stepPoll()
	if o := outcome(t, never); !errors.Is(o.err, providers.ErrNotFound) {
		t.Errorf("waiter of an instance never listed = %v, want ErrNotFound after %d lists", o.err, maxMisses)
	}
}

func TestPollerListErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		err   error
		lists int // lists until the waiter gets the error
	}{
		{"refused", &providers.Error{Provider: "demo", Kind: providers.ErrAuth, Message: "bad token"}, 1},
		{"unexpected", errSome, maxListFailures},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newPollEnv(t)
			for range tt.lists {
				e.cloud.SetFailNext(demo.OpListInstances, tt.err)
			}
			out := e.wait(e.ctx, e.boot())
			for range tt.lists - 1 {
				e.stepPoll()
			}
			select {
			case o := <-out:
				t.Fatalf("waiter answered after %d failed lists: %v", tt.lists-1, o.err)
			default:
			}
			e.stepPoll()
			if o := outcome(t, out); !errors.Is(o.err, tt.err) {
				t.Errorf("waiter = %v, want %v", o.err, tt.err)
			}
		})
	}
}
