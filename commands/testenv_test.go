package commands

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// People of the Service tests.
const (
	alice   = "U0ALICE"
	bob     = "U0BOB"     // an approver in the approval tests
	carol   = "U0CAROL"   // a second approver
	mallory = "U0MALLORY" // neither owner, admin nor approver
	root    = "U0ROOT"    // an admin
	general = "C0GENERAL"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// recorder is a Notifier that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) Notify(_ context.Context, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

// of returns the events of operation opID, in order.
func (r *recorder) of(opID string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, ev := range r.events {
		if ev.Op.ID == opID {
			out = append(out, ev)
		}
	}
	return out
}

// kinds returns the kinds of the events of operation opID, in order.
func (r *recorder) kinds(opID string) []EventKind {
	var out []EventKind
	for _, ev := range r.of(opID) {
		out = append(out, ev.Kind)
	}
	return out
}

// last returns the last event of opID with kind, failing the test when
// there is none.
func (r *recorder) last(t *testing.T, opID string, kind EventKind) Event {
	t.Helper()
	evs := r.of(opID)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Kind == kind {
			return evs[i]
		}
	}
	t.Fatalf("no %s event for op %s; got %v", kind, opID, r.kinds(opID))
	return Event{}
}

// env is a Service over a real bbolt file and the demo cloud.
type env struct {
	t     *testing.T
	ctx   context.Context
	svc   *Service
	db    *bolt.DB
	cloud *demo.Provider
	clock *fakeClock
	rec   *recorder
	logs  *testsync.Buffer
	cfg   Config
	provs map[string]providers.Provider
}

// envOptions changes what newEnv builds.
type envOptions struct {
	cfg    Config
	noWarm bool                          // leave the catalogs uncached
	extra  map[string]providers.Provider // more providers besides "demo"
	// wrap, when set, wraps the demo cloud the Service sees as "demo".
	wrap func(*demo.Provider) providers.Provider
}

// newEnv builds a Service; opts change the Config or the setup. The
// test's cleanup waits for background operations before closing the store.
func newEnv(t *testing.T, opts ...func(*envOptions)) *env {
	t.Helper()
	clock := newClock()
	o := envOptions{}
	for _, f := range opts {
		f(&o)
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	cloud := demo.New(demo.Config{PollInterval: time.Millisecond, Now: clock.Now})
	provs := map[string]providers.Provider{"demo": cloud}
	if o.wrap != nil {
		provs["demo"] = o.wrap(cloud)
	}
	for name, p := range o.extra {
		provs[name] = p
	}
	logs := &testsync.Buffer{}
	o.cfg.Now = clock.Now
	if o.cfg.PollInterval == 0 {
		o.cfg.PollInterval = time.Millisecond // the readiness poller lists every 1ms to 10ms
	}
	if o.cfg.CreateTimeout == 0 {
		o.cfg.CreateTimeout = 500 * time.Millisecond // a cloud call of unknown outcome is retried this long
	}
	if o.cfg.RetryBackoff == 0 {
		o.cfg.RetryBackoff = time.Millisecond
	}
	o.cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	e := &env{t: t, ctx: t.Context(), db: db, cloud: cloud, clock: clock, rec: &recorder{}, logs: logs, cfg: o.cfg, provs: provs}
	e.restart()
	if !o.noWarm {
		e.svc.Warm(e.ctx)
	}
	return e
}

// restart replaces the Service with a new one over the same store and
// cloud, as a new process after a crash would be. Its catalogs are cold.
func (e *env) restart() {
	e.svc = New(e.cfg, e.db, e.provs, e.rec)
	e.t.Cleanup(e.svc.Wait) // runs before db.Close: cleanups are last in, first out
}

func withConfig(f func(*Config)) func(*envOptions) {
	return func(o *envOptions) { f(&o.cfg) }
}

func noWarm(o *envOptions) { o.noWarm = true }

func caller(user string) Caller {
	return Caller{User: user, UserName: strings.ToLower(strings.TrimPrefix(user, "U0")), Channel: general}
}

// handle runs Handle and fails the test on an error.
func (e *env) handle(key string, c Caller, cmd grammar.Command) Reply {
	e.t.Helper()
	r, err := e.svc.Handle(e.ctx, key, c, cmd)
	if err != nil {
		e.t.Fatalf("Handle(%+v) = %v, want no error", cmd, err)
	}
	return r
}

// refused runs Handle and returns its error, failing the test unless it
// is a *UsageError.
func (e *env) refused(c Caller, cmd grammar.Command) *UsageError {
	e.t.Helper()
	r, err := e.svc.Handle(e.ctx, "", c, cmd)
	var ue *UsageError
	if !errors.As(err, &ue) {
		e.t.Fatalf("Handle(%+v) = %+v, %v; want a *UsageError", cmd, r, err)
	}
	return ue
}

// run handles cmd and runs its operation to the end, returning the final
// operation.
func (e *env) run(c Caller, cmd grammar.Command) *store.Operation {
	e.t.Helper()
	r := e.handle("", c, cmd)
	if r.Op == nil {
		e.t.Fatalf("Handle(%+v) journaled no operation; reply %+v", cmd, r)
	}
	e.svc.Run(e.ctx, r.Op.ID)
	return e.op(r.Op.ID)
}

// up creates a ready instance called name for c.
func (e *env) up(c Caller, name string) *store.Instance {
	e.t.Helper()
	op := e.run(c, grammar.Command{Verb: grammar.VerbUp, Name: name})
	if op.State != store.OpDone {
		e.t.Fatalf("up %s: operation %s is %s (%s), want done", name, op.ID, op.State, op.Error)
	}
	return e.instance(name)
}

func (e *env) op(id string) *store.Operation {
	e.t.Helper()
	op, err := e.db.GetOperation(e.ctx, id)
	if err != nil {
		e.t.Fatalf("GetOperation(%s): %v", id, err)
	}
	return op
}

func (e *env) instance(name string) *store.Instance {
	e.t.Helper()
	in, err := e.db.GetInstance(e.ctx, name)
	if err != nil {
		e.t.Fatalf("GetInstance(%s): %v", name, err)
	}
	return in
}

// atCloud returns the instance with cloud id id at the demo cloud, or nil.
func (e *env) atCloud(id string) *providers.Instance {
	e.t.Helper()
	in, err := e.cloud.GetInstance(e.ctx, id)
	if err != nil {
		e.t.Fatalf("demo GetInstance(%s): %v", id, err)
	}
	return in
}

// cloudCount returns how many spuff instances the demo cloud runs.
func (e *env) cloudCount() int {
	e.t.Helper()
	list, err := e.cloud.ListInstances(e.ctx)
	if err != nil {
		e.t.Fatalf("demo ListInstances: %v", err)
	}
	return len(list)
}

// wantContains fails the test unless s contains every one of parts.
func wantContains(t *testing.T, what, s string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(s, p) {
			t.Errorf("%s = %q, want it to contain %q", what, s, p)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// errSome is an unexpected error whose text must never reach a person.
var errSome = errors.New("dial tcp 10.0.0.7:443: connection reset (token=hunter2)")
