package commands

import (
	"fmt"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

func TestPollerStaysInBudget(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	limits := e.limit("digitalocean")
	out := e.wait(e.ctx, e.boot())
	b := newBudget(limits, time.Time{})
	burst := int(b.capacity)
	// The clock stands still: the burst is spent at the full rate ...
	for i := range burst {
		if got := e.step.next(); got != time.Second {
			t.Fatalf("wait %d of the burst = %s, want 1s", i, got)
		}
		e.stepPoll()
	}
	// ... and then each list waits for its share of the hourly limit.
	perList := time.Duration(float64(time.Second) / b.rate)
	rest := time.Duration((1 - (b.capacity - float64(burst))) * float64(perList))
	if got := e.step.next(); got < rest-time.Millisecond || got > rest+time.Millisecond {
		t.Errorf("wait after a burst of %d lists = %s, want %s (the rest of a token at %s each)", burst, got, rest, perList)
	}
	e.clock.Advance(rest)
	e.stepPoll()
	if got := e.step.next(); got < perList-time.Millisecond || got > perList+time.Millisecond {
		t.Errorf("wait once the budget is spent = %s, want %s", got, perList)
	}
	if got := e.lists(); got != burst+1 {
		t.Errorf("lists = %d, want %d", got, burst+1)
	}
	if perHour := 3600 / perList.Seconds(); perHour > float64(limits.perHour)/budgetShare {
		t.Errorf("sustained rate = %.0f/h, want at most a quarter of %d/h", perHour, limits.perHour)
	}
	e.clock.Advance(time.Hour)
	e.stepPoll()
	if o := outcome(t, out); o.err != nil {
		t.Errorf("waiter = %v, want ready", o.err)
	}
}

func TestPollerGetsWhenFewerThanPages(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	// Three pages of instances that are not waited on.
	for i := range 2*limitsOf("demo").pageSize + 1 {
		e.sneakIn(e.cloud, fmt.Sprintf("other-%d", i), nil)
	}
	gets := func() int { return e.cloud.Calls()[demo.OpGetInstance] }
	out := e.wait(e.ctx, e.boot())
	e.stepPoll() // the first poll lists: the poller does not know the pages yet
	if got := e.lists(); got != 1 {
		t.Fatalf("lists = %d, want 1", got)
	}
	e.stepPoll() // one waiter, three pages: one get
	if got, lists := gets(), e.lists(); got != 1 || lists != 1 {
		t.Errorf("after the second poll gets = %d, lists = %d; want 1, 1", got, lists)
	}
	more := []<-chan waitOutcome{out, e.wait(e.ctx, e.boot()), e.wait(e.ctx, e.boot())}
	e.clock.Advance(time.Hour)
	e.stepPoll() // three waiters, three pages: one list
	if got, lists := gets(), e.lists(); got != 1 || lists != 2 {
		t.Errorf("after the third poll gets = %d, lists = %d; want 1, 2", got, lists)
	}
	for i, c := range more {
		if o := outcome(t, c); o.err != nil || !o.in.Ready() {
			t.Errorf("waiter %d = %+v, %v; want ready", i, o.in, o.err)
		}
	}
}

func TestPollerRateLimit(t *testing.T) {
	t.Parallel()
	e := newPollEnv(t)
	e.cloud.SetFailNext(demo.OpListInstances, &providers.Error{Provider: "demo", Op: "list instances",
		Kind: providers.ErrRateLimited, RetryAfter: 42 * time.Second})
	first := e.wait(e.ctx, e.boot())
	e.step.next()
	e.stepPoll() // rate limited
	if got := e.step.next(); got < 42*time.Second {
		t.Errorf("wait after a Retry-After of 42s = %s, want at least 42s", got)
	}
	// A new waiter resets the interval but not the cloud's limit.
	second := e.wait(e.ctx, e.boot())
	if got := e.step.latest(); got < 42*time.Second {
		t.Errorf("wait after a new waiter while rate limited = %s, want at least 42s", got)
	}
	if got := e.lists(); got != 1 {
		t.Errorf("lists while rate limited = %d, want 1", got)
	}
	e.clock.Advance(time.Hour)
	e.stepPoll()
	for _, c := range []<-chan waitOutcome{first, second} {
		if o := outcome(t, c); o.err != nil {
			t.Errorf("waiter after the rate limit = %v, want ready", o.err)
		}
	}
	if got := e.lists(); got != 2 {
		t.Errorf("lists = %d, want 2", got)
	}
}
