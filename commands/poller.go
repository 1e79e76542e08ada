package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Limits of the readiness poller.
const (
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
	// bootMemory is how many recent boot times a poller remembers to
	// learn how long its cloud takes at the least.
	bootMemory = 8
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
		cloud: name, p: p, interval: s.cfg.PollInterval, limits: limitsOf(name),
		now: s.cfg.Now, sleep: ps.sleep, log: s.log, wg: &s.wg,
		kick: make(chan struct{}, 1), waiters: make(map[*waiter]struct{}),
	}
	pl.budget = newBudget(pl.limits, pl.now())
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
// while someone waits, so a cloud where nothing boots is never asked. Each
// interval it asks the cloud once for every waiter — one list call, or a
// get per waiter when there are fewer waiters than pages in a list — and
// hands every waiter whose instance is ready its instance.
//
// The interval is short (Config.PollInterval, 1s by default) so that an IP
// reaches the thread within about a second of the cloud showing it. Three
// things keep that cheap: the poller learns how long its cloud takes to
// boot at the least and asks nothing about an instance before about three
// quarters of that; it spends at most a quarter of the cloud's published
// rate limit (a token bucket, see budget), so many instances booting for a
// long time slow it down instead of exhausting the limit; and it never asks
// before a rate limit's Retry-After.
type poller struct {
	cloud    string
	p        providers.Provider
	interval time.Duration
	limits   cloudLimits
	now      func() time.Time
	sleep    sleepFunc
	log      *slog.Logger
	wg       *sync.WaitGroup
	kick     chan struct{} // wakes the loop to look again at its waiters

	mu        sync.Mutex
	waiters   map[*waiter]struct{}
	running   bool
	last      time.Time          // when the last poll started
	notBefore time.Time          // the cloud's rate limit: no call before this
	failures  int                // polls failed in a row
	cancel    context.CancelFunc // ends the poll in flight, nil between polls
	budget    budget             // requests the poller may still spend
	pages     int                // pages the last list took (at least 1)
	boots     []time.Duration    // the latest boot times seen, at most bootMemory
}

// waiter is one instance waited on.
type waiter struct {
	id     string
	added  time.Time
	done   chan waitResult // buffered: the poller never blocks on it
	seen   bool            // in a poll since it was added
	misses int             // polls in a row without it
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
	w.added = pl.now()
	pl.waiters[w] = struct{}{}
	if !pl.running {
		pl.running = true
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

// remove drops w; the last waiter to leave stops the poll in flight.
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

// loop polls until no one waits.
func (pl *poller) loop() {
	defer pl.wg.Done()
	for {
		pl.mu.Lock()
		if len(pl.waiters) == 0 {
			pl.running = false
			pl.mu.Unlock()
			return
		}
		d := pl.nextPoll().Sub(pl.now())
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

// nextPoll returns when the next poll may start: one interval after the
// last one, once some waiter is due, within the budget and not before
// the cloud's Retry-After. The caller holds pl.mu.
func (pl *poller) nextPoll() time.Time {
	quiet := pl.quiet()
	var due time.Time
	for w := range pl.waiters {
		if d := w.added.Add(quiet); due.IsZero() || d.Before(due) {
			due = d
		}
	}
	next := latest(pl.last.Add(pl.interval), due, pl.notBefore)
	return latest(next, pl.budget.readyAt(pl.cost(len(pl.waiters))))
}

// quiet returns how long after it is added an instance is not asked
// about: one interval (nothing is ready the moment it is created), and on
// a cloud with a rate limit three quarters of the shortest boot seen
// lately, to save requests. The caller holds pl.mu.
func (pl *poller) quiet() time.Duration {
	if len(pl.boots) == 0 || pl.limits.perHour == 0 {
		return pl.interval
	}
	return max(pl.interval, slices.Min(pl.boots)*3/4)
}

// cost returns how many requests a poll for n waiters takes: the pages of
// a list, or one get each when that is fewer. The caller holds pl.mu.
func (pl *poller) cost(n int) int {
	return min(max(pl.pages, 1), n)
}

func latest(ts ...time.Time) time.Time {
	var m time.Time
	for _, t := range ts {
		if t.After(m) {
			m = t
		}
	}
	return m
}

// poll asks the cloud once about every waiter and answers those it can.
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
	byList := len(batch) >= max(pl.pages, 1)
	pl.budget.spend(start, pl.cost(len(batch)))
	pl.mu.Unlock()

	byID, err := pl.fetch(ctx, batch, byList)

	pl.mu.Lock()
	defer pl.mu.Unlock()
	pl.cancel, pl.last = nil, start
	if err != nil {
		pl.failed(ctx, batch, start, err)
		return
	}
	pl.failures = 0
	for _, w := range batch {
		if _, ok := pl.waiters[w]; !ok {
			continue // gave up while the poll ran
		}
		pl.check(w, byID[w.id], start)
	}
}

// fetch returns the instances of batch by id: from one list call when
// byList, else from one get per waiter.
func (pl *poller) fetch(ctx context.Context, batch []*waiter, byList bool) (map[string]*providers.Instance, error) {
	byID := make(map[string]*providers.Instance, len(batch))
	if !byList {
		for _, w := range batch {
			in, err := pl.p.GetInstance(ctx, w.id)
			if err != nil {
				return nil, err
			}
			if in != nil {
				byID[w.id] = in
			}
		}
		return byID, nil
	}
	list, err := pl.p.ListInstances(ctx)
	if err != nil {
		return nil, err
	}
	pl.mu.Lock()
	pl.pages = max(1, (len(list)+pl.limits.pageSize-1)/pl.limits.pageSize)
	pl.mu.Unlock()
	for i := range list {
		byID[list[i].ID] = &list[i]
	}
	return byID, nil
}

// check compares w with its instance in the last poll (nil when it was
// not there) and answers w when that settles it. The caller holds pl.mu.
func (pl *poller) check(w *waiter, in *providers.Instance, at time.Time) {
	switch {
	case in == nil:
		w.misses++
		if !w.seen && w.misses < maxMisses {
			return
		}
		pl.answer(w, waitResult{err: &providers.Error{Provider: pl.cloud, Op: "wait for instance",
			Kind: providers.ErrNotFound, Message: fmt.Sprintf("instance %s no longer exists", w.id)}})
		return
	case in.Ready():
		pl.learn(at.Sub(w.added))
		pl.answer(w, waitResult{in: in})
		return
	case in.Status == providers.StatusArchived:
		pl.answer(w, waitResult{err: &providers.Error{Provider: pl.cloud, Op: "wait for instance",
			Kind: providers.ErrInvalid, Message: fmt.Sprintf("instance %s is archived and will not become active", w.id)}})
		return
	}
	w.seen, w.misses, w.status, w.ip = true, 0, in.Status, in.IP
}

// learn remembers that an instance took d to boot, as far as the poller
// could tell. The caller holds pl.mu.
func (pl *poller) learn(d time.Duration) {
	if len(pl.boots) == bootMemory {
		pl.boots = pl.boots[1:]
	}
	pl.boots = append(pl.boots, d)
}

// answer hands w its result and drops it; the caller holds pl.mu.
func (pl *poller) answer(w *waiter, r waitResult) {
	delete(pl.waiters, w)
	w.done <- r
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
		return
	}
	pl.failures++
	if !refusal(err) && pl.failures < maxListFailures {
		pl.log.Warn("list failed while waiting for instances; will list again", "provider", pl.cloud, "err", err)
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
