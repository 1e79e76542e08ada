package commands

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// haTTL is the replicas' lease in these tests, the shortest etcd grants.
const haTTL = time.Second

var _ interface {
	Store
	Claimer
	Fencer
	Elector
} = (*etcdstore.Store)(nil)

// replica is one spuffbot process of a cluster: a Service over its own
// connection to the shared etcd.
type replica struct {
	svc *Service
	st  *etcdstore.Store
	rec *recorder
}

// cluster is replicas sharing one etcd prefix and one demo cloud.
type cluster struct {
	t         *testing.T
	endpoints []string
	prefix    string
	cloud     *demo.Provider
}

var clusterPrefixes atomic.Int64

func newCluster(t *testing.T, endpoints []string) *cluster {
	return &cluster{t: t, endpoints: endpoints, prefix: fmt.Sprintf("/ha-%d/", clusterPrefixes.Add(1)),
		cloud: demo.New(demo.Config{PollInterval: time.Millisecond})}
}

// add starts a replica called id; cfg's zero fields get test defaults.
func (c *cluster) add(id string, cfg Config) *replica {
	c.t.Helper()
	st, err := etcdstore.Open(c.t.Context(), etcdstore.Config{Endpoints: c.endpoints, Prefix: c.prefix, ID: id, LeaseTTL: haTTL})
	if err != nil {
		c.t.Fatalf("etcdstore.Open: %v", err)
	}
	c.t.Cleanup(func() { _ = st.Close() })
	if cfg.PollInterval == 0 {
		cfg.PollInterval = time.Millisecond
	}
	if cfg.MaxInstancesPerUser == 0 {
		cfg.MaxInstancesPerUser = -1
	}
	cfg.Logger = slog.New(slog.DiscardHandler)
	r := &replica{st: st, rec: &recorder{}}
	r.svc = New(cfg, st, map[string]providers.Provider{"demo": c.cloud}, r.rec)
	c.t.Cleanup(r.svc.Wait) // before the store closes
	r.svc.Warm(c.t.Context())
	return r
}

// count returns how many events of kind the replicas emitted, together.
func count(kind EventKind, rs ...*replica) int {
	n := 0
	for _, r := range rs {
		r.rec.mu.Lock()
		for _, ev := range r.rec.events {
			if ev.Kind == kind {
				n++
			}
		}
		r.rec.mu.Unlock()
	}
	return n
}

// candidates counts the replicas campaigning in c's election, the leader
// included, as r's etcd connection reads them.
func (c *cluster) candidates(t *testing.T, r *replica) int64 {
	t.Helper()
	resp, err := r.st.Client().Get(t.Context(), c.prefix+"election/", etcdhttp.WithPrefix(), etcdhttp.WithCountOnly())
	if err != nil {
		t.Fatalf("count the candidates: %v", err)
	}
	return resp.Count
}

func mustHandle(t *testing.T, r *replica, key string, cmd grammar.Command) *store.Operation {
	t.Helper()
	reply, err := r.svc.Handle(t.Context(), key, caller(alice), cmd)
	if err != nil || reply.Op == nil {
		t.Fatalf("Handle(%+v) = %+v, %v, want an operation", cmd, reply, err)
	}
	return reply.Op
}

func opState(t *testing.T, r *replica, id string) *store.Operation {
	t.Helper()
	op, err := r.st.GetOperation(t.Context(), id)
	if err != nil {
		t.Fatalf("GetOperation(%s) = %v", id, err)
	}
	return op
}

func TestHA(t *testing.T) {
	endpoints := etcdtest.Start(t)

	t.Run("OneRunPerOperation", func(t *testing.T) {
		c := newCluster(t, endpoints)
		a, b := c.add("a", Config{}), c.add("b", Config{})
		op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
		var wg sync.WaitGroup
		for _, r := range []*replica{a, b, a, b} {
			wg.Go(func() { r.svc.Run(t.Context(), op.ID) })
		}
		wg.Wait()
		if got := opState(t, a, op.ID); got.State != store.OpDone {
			t.Fatalf("operation is %s (%s), want done", got.State, got.Error)
		}
		if n := c.cloud.Calls()[demo.OpCreateInstance]; n != 1 {
			t.Errorf("four Runs of one up on two replicas created %d VMs, want 1", n)
		}
		if n := count(EventReady, a, b); n != 1 {
			t.Errorf("EventReady sent %d times, want 1", n)
		}
		if h, _ := a.st.Holder(t.Context(), op.ID); h != "" {
			t.Errorf("Holder(%s) after the run = %q, want the claim released", op.ID, h)
		}
	})

	t.Run("ResumeAfterCrash", func(t *testing.T) {
		c := newCluster(t, endpoints)
		a, b := c.add("a", Config{}), c.add("b", Config{HA: HAConfig{ResumeGrace: time.Nanosecond}})
		op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
		// a is running it (it holds the claim) when it dies.
		if _, ok, err := a.st.Claim(t.Context(), op.ID); err != nil || !ok {
			t.Fatalf("Claim(%s) = %v, %v", op.ID, ok, err)
		}
		if n, err := b.svc.Resume(t.Context()); err != nil || n != 0 {
			t.Errorf("Resume on b while a runs the operation = %d, %v, want 0", n, err)
		}
		_ = a.st.Client().Close() // a crashes: its lease is left to expire
		testsync.Until(t, "b resumes the operation once a's claim expired", func() bool {
			n, err := b.svc.Resume(t.Context())
			return err == nil && n == 1
		})
		b.svc.Wait()
		if got := opState(t, b, op.ID); got.State != store.OpDone {
			t.Fatalf("operation is %s (%s), want done", got.State, got.Error)
		}
		if n := c.cloud.Calls()[demo.OpCreateInstance]; n != 1 {
			t.Errorf("created %d VMs, want 1", n)
		}
	})

	t.Run("StopsWhenClaimLost", func(t *testing.T) {
		c := newCluster(t, endpoints)
		c.cloud.SetReadyAfter(time.Hour) // booting until a loses its claim
		a := c.add("a", Config{})
		op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
		a.svc.Start(t.Context(), op.ID)
		testsync.Until(t, "the VM created and waited for", func() bool { return opState(t, a, op.ID).CloudID != "" })
		resp, err := a.st.Client().Get(t.Context(), c.prefix+"claims/"+op.ID)
		if err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("claim key of %s = %v, %v", op.ID, resp, err)
		}
		// a's lease ends, as when a cannot reach etcd for its whole term.
		if err := a.st.Client().Revoke(t.Context(), resp.Kvs[0].Lease); err != nil {
			t.Fatal(err)
		}
		a.svc.Wait() // Run stops instead of waiting for the VM
		got := opState(t, a, op.ID)
		if got.State.Final() {
			t.Errorf("operation is %s (%s) after its claim was lost, want it left to resume", got.State, got.Error)
		}
		if n := count(EventFailed, a); n != 0 {
			t.Errorf("EventFailed sent %d times after a lost claim, want 0", n)
		}
	})

	t.Run("FreshOperationsWait", func(t *testing.T) {
		c := newCluster(t, endpoints)
		a := c.add("a", Config{})
		patient := c.add("patient", Config{HA: HAConfig{ResumeGrace: time.Hour}})
		eager := c.add("eager", Config{HA: HAConfig{ResumeGrace: time.Nanosecond}})
		op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
		// a accepted it and is about to start it, unclaimed so far.
		if n, err := patient.svc.Resume(t.Context()); err != nil || n != 0 {
			t.Errorf("Resume within the grace = %d, %v, want 0", n, err)
		}
		if n, err := eager.svc.Resume(t.Context()); err != nil || n != 1 {
			t.Errorf("Resume after the grace = %d, %v, want 1", n, err)
		}
		eager.svc.Wait()
		if got := opState(t, a, op.ID); got.State != store.OpDone {
			t.Errorf("operation is %s (%s), want done", got.State, got.Error)
		}
	})

	t.Run("ReapOnce", func(t *testing.T) {
		c := newCluster(t, endpoints)
		a, b := c.add("a", Config{}), c.add("b", Config{})
		op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
		a.svc.Run(t.Context(), op.ID)
		if _, err := a.st.UpdateInstance(t.Context(), "box", func(in *store.Instance) error {
			in.LeaseExpiry = time.Now().Add(-time.Second)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		// Two leaders at once, as while one loses its lease and the other
		// is elected.
		var wg sync.WaitGroup
		for _, r := range []*replica{a, b} {
			wg.Go(func() {
				if _, err := r.svc.Reap(t.Context()); err != nil {
					t.Errorf("Reap() = %v", err)
				}
			})
		}
		wg.Wait()
		a.svc.Wait()
		b.svc.Wait()
		if n := c.cloud.Calls()[demo.OpDestroyInstance]; n != 1 {
			t.Errorf("two reapers destroyed %d times, want 1", n)
		}
		ops, err := a.st.ListOperations(t.Context(), false)
		if err != nil {
			t.Fatal(err)
		}
		downs := 0
		for _, o := range ops {
			if o.Kind == store.OpDown {
				downs++
			}
		}
		if downs != 1 {
			t.Errorf("two reapers journaled %d down operations, want 1", downs)
		}
		if n := count(EventExpired, a, b); n != 1 {
			t.Errorf("EventExpired sent %d times, want 1", n)
		}
	})

	t.Run("DeniedOnce", func(t *testing.T) {
		c := newCluster(t, endpoints)
		cfg := Config{Approvers: []string{bob}, ApprovalAbove: ptr(0.0)}
		a, b := c.add("a", cfg), c.add("b", cfg)
		op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
		a.svc.Run(t.Context(), op.ID)
		if got := opState(t, a, op.ID); got.State != store.OpAwaitingApproval {
			t.Fatalf("operation is %s, want awaiting approval", got.State)
		}
		// Denied, and the replica that recorded it died before it told.
		if _, err := a.st.UpdateApproval(t.Context(), op.ID, func(ap *store.Approval) error {
			ap.State, ap.DecidedBy, ap.DecidedAt = store.ApprovalDenied, bob, time.Now()
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for _, r := range []*replica{a, b, a, b} {
			wg.Go(func() { _, _ = r.svc.Resume(t.Context()) })
		}
		wg.Wait()
		if got := opState(t, a, op.ID); got.State != store.OpFailed {
			t.Errorf("operation is %s, want failed", got.State)
		}
		if n := count(EventDenied, a, b); n != 1 {
			t.Errorf("EventDenied sent %d times by two replicas resuming, want 1", n)
		}
	})

	t.Run("OneLeader", func(t *testing.T) {
		c := newCluster(t, endpoints)
		cfg := Config{ReapEvery: 10 * time.Millisecond, HA: HAConfig{ResumeEvery: 10 * time.Millisecond}}
		a, b := c.add("a", cfg), c.add("b", cfg)
		ctxA, stopA := context.WithCancel(t.Context())
		ctxB, stopB := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { a.svc.Background(ctxA) })
		testsync.Until(t, "a leads", a.svc.Leading)
		wg.Go(func() { b.svc.Background(ctxB) })
		// b campaigns behind a and runs only the resume loop: once b's
		// candidacy is in the election, after a's, b waits for a to go.
		testsync.Until(t, "b campaigns", func() bool { return c.candidates(t, a) == 2 })
		if id, err := a.st.Leader(t.Context()); err != nil || id != "a" {
			t.Errorf("Leader() = %q, %v while b campaigns; want a", id, err)
		}
		if b.svc.Leading() {
			t.Errorf("b leads while a does")
		}
		stopA() // a shuts down: it resigns
		testsync.Until(t, "b leads after a stopped", b.svc.Leading)
		if a.svc.Leading() {
			t.Errorf("a still leads after it stopped")
		}
		stopB()
		wg.Wait()
		if b.svc.Leading() {
			t.Errorf("b still leads after it stopped")
		}
	})
}
