package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Limits of the readiness poller.
const (
	// pollMaxFactor caps the interval at this many times the first one
	// (30s for the default 3s).
	pollMaxFactor = 10
	// maxMisses is how many lists in a row may miss an instance that was
	// never seen before it counts as gone: a cloud's list may lag behind
	// its create.
	maxMisses = 3
	// maxListFailures is how many lists in a row may fail, with errors
	// other than a rate limit or a refusal, before the waiters get the
	// error.
	maxListFailures = 5
	// listTimeout bounds one list call.
	listTimeout = 2 * time.Minute
)

// sleepFunc returns a channel that delivers after d and a function that
// stops it. Tests replace the timer to step the poller by hand.
type sleepFunc func(d time.Duration) (<-chan time.Time, func() bool)

func timerSleep(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

// pollerSet holds the Service's pollers, one per cloud, made on first use.
type pollerSet struct {
	svc   *Service
	sleep sleepFunc

	mu sync.Mutex
	m  map[string]*poller
}

func (ps *pollerSet) init(s *Service) {
	ps.svc, ps.sleep, ps.m = s, timerSleep, make(map[string]*poller)
}

// get returns the poller of cloud name.
func (ps *pollerSet) get(name string, p providers.Provider) *poller {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if pl, ok := ps.m[name]; ok {
		return pl
	}
	s := ps.svc
	pl := &poller{
		cloud: name, p: p, base: s.cfg.PollInterval, max: pollMaxFactor * s.cfg.PollInterval,
		now: s.cfg.Now, sleep: ps.sleep, log: s.log, wg: &s.wg,
		kick: make(chan struct{}, 1), waiters: make(map[*waiter]struct{}),
	}
	ps.m[name] = pl
	return pl
}

// waitReady blocks until the instance id at cloud name is active with a
// public IP, as providers.Provider.WaitReady does, but through the cloud's
// shared poller: one list call per interval for every instance waited on.
// An instance that disappears fails with a providers.ErrNotFound error.
func (s *Service) waitReady(ctx context.Context, name string, p providers.Provider, id string) (*providers.Instance, error) {
	return s.pollers.get(name, p).wait(ctx, id)
}

// poller watches the instances of one cloud boot. Its goroutine runs only
// while someone waits: each interval it lists the cloud's spuff instances
// once and hands every waiter whose instance is ready its instance. The
// interval grows by half while nothing changes, up to max, starts over at
// base when a waiter is added, and never ends before a rate limit's
// Retry-After.
type poller struct {
	cloud     string
	p         providers.Provider
	base, max time.Duration
	now       func() time.Time
	sleep     sleepFunc
	log       *slog.Logger
	wg        *sync.WaitGroup
	kick      chan struct{} // wakes the loop to look again at its waiters

	mu        sync.Mutex
	waiters   map[*waiter]struct{}
	running   bool
	interval  time.Duration
	last      time.Time          // when the last list started
	notBefore time.Time          // the cloud's rate limit: no list before this
	failures  int                // lists failed in a row
	cancel    context.CancelFunc // ends the list in flight, nil between lists
}

// waiter is one instance waited on.
type waiter struct {
	id     string
	done   chan waitResult // buffered: the poller never blocks on it
	seen   bool            // in a list since it was added
	misses int             // lists in a row without it
	status providers.Status
	ip     string
}

type waitResult struct {
	in  *providers.Instance
	err error
}

// wait adds a waiter for instance id and blocks until it is answered or
// ctx ends.
func (pl *poller) wait(ctx context.Context, id string) (*providers.Instance, error) {
	w := &waiter{id: id, done: make(chan waitResult, 1)}
	pl.mu.Lock()
	pl.waiters[w] = struct{}{}
	pl.interval = pl.base
	if !pl.running {
		pl.running = true
		// A new instance is not ready at once: the first list comes one
		// interval after the first waiter, as later ones do.
		pl.last = pl.now()
		pl.wg.Add(1)
		go pl.loop()
	} else {
		pl.poke()
	}
	pl.mu.Unlock()
	select {
	case r := <-w.done:
		return r.in, r.err
	case <-ctx.Done():
		pl.remove(w)
		return nil, fmt.Errorf("%s: wait for instance %s: %w", pl.cloud, id, ctx.Err())
	}
}

// remove drops w; the last waiter to leave stops the list in flight.
func (pl *poller) remove(w *waiter) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	delete(pl.waiters, w)
	if len(pl.waiters) == 0 {
		if pl.cancel != nil {
			pl.cancel()
		}
		pl.poke()
	}
}

// poke wakes the loop without blocking; the caller holds pl.mu.
func (pl *poller) poke() {
	select {
	case pl.kick <- struct{}{}:
	default:
	}
}

// waiting returns how many waiters there are.
func (pl *poller) waiting() int {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	return len(pl.waiters)
}

// loop lists until no one waits.
func (pl *poller) loop() {
	defer pl.wg.Done()
	for {
		pl.mu.Lock()
		if len(pl.waiters) == 0 {
			pl.running = false
			pl.mu.Unlock()
			return
		}
		next := pl.last.Add(pl.interval)
		if next.Before(pl.notBefore) {
			next = pl.notBefore
		}
		d := next.Sub(pl.now())
		pl.mu.Unlock()
		fire, stop := pl.sleep(d)
		select {
		case <-fire:
			pl.poll()
		case <-pl.kick:
			stop()
		}
	}
}

// poll lists the cloud's instances once and answers the waiters it can.
func (pl *poller) poll() {
	ctx, cancel := context.WithTimeout(context.Background(), listTimeout)
	defer cancel()
	pl.mu.Lock()
	batch := make([]*waiter, 0, len(pl.waiters))
	for w := range pl.waiters {
		batch = append(batch, w)
	}
	pl.cancel = cancel
	start := pl.now()
	pl.mu.Unlock()

	list, err := pl.p.ListInstances(ctx)

	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.cancel, pl.last = nil, start
	if err != nil {
		pl.failed(ctx, batch, start, err)
		return
	}
	pl.failures = 0
	byID := make(map[string]*providers.Instance, len(list))
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	changed := false
	for _, w := range batch {
		if _, ok := pl.waiters[w]; !ok {
			continue // gave up while the list ran
		}
		if pl.check(w, byID[w.id]) {
			changed = true
		}
	}
	pl.next(changed)
}

// check compares w with its instance in the last list (nil when it was
// not there), answers w when that settles it, and reports whether
// anything changed. The caller holds pl.mu.
func (pl *poller) check(w *waiter, in *providers.Instance) bool {
	switch {
	case in == nil:
		w.misses++
		if !w.seen && w.misses < maxMisses {
			return false
		}
		pl.answer(w, waitResult{err: &providers.Error{Provider: pl.cloud, Op: "wait for instance",
			Kind: providers.ErrNotFound, Message: fmt.Sprintf("instance %s no longer exists", w.id)}})
		return true
	case in.Ready():
		pl.answer(w, waitResult{in: in})
		return true
	case in.Status == providers.StatusArchived:
		pl.answer(w, waitResult{err: &providers.Error{Provider: pl.cloud, Op: "wait for instance",
			Kind: providers.ErrInvalid, Message: fmt.Sprintf("instance %s is archived and will not become active", w.id)}})
		return true
	}
	changed := w.seen && (in.Status != w.status || in.IP != w.ip)
	w.seen, w.misses, w.status, w.ip = true, 0, in.Status, in.IP
	return changed
}

// answer hands w its result and drops it; the caller holds pl.mu.
func (pl *poller) answer(w *waiter, r waitResult) {
	delete(pl.waiters, w)
	w.done <- r
}

// next sets the interval after a list: back to base when something
// changed, half again longer otherwise. The caller holds pl.mu.
func (pl *poller) next(changed bool) {
	if changed {
		pl.interval = pl.base
		return
	}
	pl.interval = min(pl.interval+pl.interval/2, pl.max)
}

// failed handles a list that failed at start with err: a rate limit
// postpones the next list until the cloud allows it; a refusal (bad
// credentials, say) goes to the waiters at once; other errors go to them
// after maxListFailures in a row. The caller holds pl.mu.
func (pl *poller) failed(ctx context.Context, batch []*waiter, start time.Time, err error) {
	if errors.Is(ctx.Err(), context.Canceled) {
		return // everyone left, and remove stopped the list
	}
	if ra, limited := providers.RetryAfter(err); limited {
		pl.log.Warn("rate limited while waiting for instances", "provider", pl.cloud, "retry_after", ra, "err", err)
		pl.notBefore = start.Add(ra)
		pl.next(false)
		return
	}
	pl.failures++
	if !refusal(err) && pl.failures < maxListFailures {
		pl.log.Warn("list failed while waiting for instances; will list again", "provider", pl.cloud, "err", err)
		pl.next(false)
		return
	}
	pl.failures = 0
	for _, w := range batch {
		if _, ok := pl.waiters[w]; ok {
			pl.answer(w, waitResult{err: fmt.Errorf("%s: wait for instance %s: %w", pl.cloud, w.id, err)})
		}
	}
}

// refusal reports whether err is a cloud's refusal that asking again will
// not change.
func refusal(err error) bool {
	for _, kind := range []error{providers.ErrAuth, providers.ErrInvalid, providers.ErrQuota, providers.ErrNotFound} {
		if errors.Is(err, kind) {
			return true
		}
	}
	return false
}
