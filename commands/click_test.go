package commands

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// clickStores open the stores the click tests run on. reopen, for a
// store kept in a file, closes it and opens the file again, as a restart
// does; it is nil for the shared store.
var clickStores = []struct {
	name string
	open func(t *testing.T, now func() time.Time) (st pruneStore, reopen func() pruneStore)
}{
	{"bolt", func(t *testing.T, now func() time.Time) (pruneStore, func() pruneStore) {
		path := filepath.Join(t.TempDir(), "s.db")
		open := func() pruneStore {
			db, err := bolt.Open(path, bolt.Options{Now: now})
			if err != nil {
				t.Fatalf("bolt.Open: %v", err)
			}
			return db
		}
		db := open()
		return db, func() pruneStore {
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			db = open()
			return db
		}
	}},
	{"etcd", func(t *testing.T, now func() time.Time) (pruneStore, func() pruneStore) {
		st, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: etcdtest.Start(t), Now: now})
		if err != nil {
			t.Fatalf("etcdstore.Open: %v", err)
		}
		return st, nil
	}},
}

// clickEnv is a Service over one of clickStores, with alice's instance
// box in her thread, its lease warned about and an idle warning pending.
type clickEnv struct {
	t      *testing.T
	ctx    context.Context
	clock  *fakeClock
	st     pruneStore
	reopen func() pruneStore
	svc    *Service
	rec    *recorder
}

func newClickEnv(t *testing.T, open func(t *testing.T, now func() time.Time) (pruneStore, func() pruneStore)) *clickEnv {
	t.Helper()
	e := &clickEnv{t: t, ctx: context.Background(), clock: newClock(), rec: &recorder{}}
	e.st, e.reopen = open(t, e.clock.Now)
	t.Cleanup(func() {
		if err := e.st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	e.restart()
	now := e.clock.Now()
	in := store.Instance{Name: "box", Provider: "demo", CloudID: "1", Owner: alice, Channel: general, ThreadTS: "1.1",
		Status: store.InstanceReady, Created: now.Add(-8 * time.Hour), LeaseExpiry: now.Add(20 * time.Minute),
		WarnedAt: now.Add(-10 * time.Minute), Idle: store.Idle{WarnedAt: now.Add(-time.Minute), Deadline: now.Add(time.Hour), Sent: true}}
	if err := e.st.CreateInstance(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	return e
}

// restart builds a new Service over the store, as a new process would.
func (e *clickEnv) restart() {
	e.svc = New(Config{Now: e.clock.Now, Admins: []string{root}, JournalRetention: 30 * 24 * time.Hour},
		e.st, map[string]providers.Provider{"demo": demo.New(demo.Config{Now: e.clock.Now})}, e.rec)
	e.t.Cleanup(e.svc.Wait)
}

func (e *clickEnv) box() store.Instance {
	e.t.Helper()
	in, err := e.st.GetInstance(e.ctx, "box")
	if err != nil {
		e.t.Fatal(err)
	}
	return *in
}

// wantAnswered fails the test unless r answers a card that by answered
// first with the lease or idle button, and nothing was started.
func wantAnswered(t *testing.T, r Reply, err error, lease LeaseAction, idle IdleAction, by string) {
	t.Helper()
	if err != nil {
		t.Fatalf("second click = %v, want a duplicate", err)
	}
	a := r.Answered
	if !r.Duplicate || a == nil || a.Lease != lease || a.Idle != idle || a.By != UserID(by) || a.Instance != "box" || a.At.IsZero() {
		t.Fatalf("second click = %+v (answered %+v), want a duplicate answered by %s with %q%q", r, a, by, lease, idle)
	}
}

// TestClickTwice presses a lease warning's Extend, then another button
// of the same card: the second press is answered with the first, and
// changes nothing, on both stores and, for the file, after a restart.
func TestClickTwice(t *testing.T) {
	for _, sto := range clickStores {
		t.Run(sto.name, func(t *testing.T) {
			e := newClickEnv(t, sto.open)
			const key = "lease/D1/100.1"
			r, err := e.svc.Lease(e.ctx, "box", alice, LeaseExtend, key)
			if err != nil || r.Duplicate || r.Answered != nil {
				t.Fatalf("Lease(extend) = %+v, %v, want it extended", r, err)
			}
			extended := e.box()
			if n := len(e.rec.ofKind(EventExtended)); n != 1 {
				t.Fatalf("extended events = %d, want 1", n)
			}
			if e.reopen != nil {
				e.st = e.reopen()
				e.restart()
			}
			e.clock.Advance(time.Minute)
			r, err = e.svc.Lease(e.ctx, "box", root, LeaseDestroy, key)
			wantAnswered(t, r, err, LeaseExtend, "", alice)
			if r.Op != nil {
				t.Errorf("second click's Op = %+v, want none: the extend started no operation", r.Op)
			}
			r, err = e.svc.Lease(e.ctx, "box", alice, LeaseExtend, key)
			wantAnswered(t, r, err, LeaseExtend, "", alice)
			if got := e.box(); !got.LeaseExpiry.Equal(extended.LeaseExpiry) || got.Status != store.InstanceReady {
				t.Errorf("box after the second clicks = %s until %s, want ready until %s", got.Status, got.LeaseExpiry, extended.LeaseExpiry)
			}
			if ops, err := e.st.ListOperations(e.ctx, false); err != nil || len(ops) != 0 {
				t.Errorf("journal = %+v, %v, want empty: a click is no operation", ops, err)
			}
			if n := len(e.rec.ofKind(EventExtended)); n != 1 {
				t.Errorf("extended events = %d, want still 1", n)
			}
		})
	}
}

// TestIdleKeepTwice presses an idle warning's Keep, then its destroy
// button: the destroy is answered with the Keep and destroys nothing.
func TestIdleKeepTwice(t *testing.T) {
	for _, sto := range clickStores {
		t.Run(sto.name, func(t *testing.T) {
			e := newClickEnv(t, sto.open)
			const key = "idle/D1/200.1"
			if r, err := e.svc.Idle(e.ctx, "box", root, IdleKeepLease, key); err != nil || r.Duplicate {
				t.Fatalf("Idle(keep-lease) = %+v, %v, want it kept", r, err)
			}
			kept := e.box()
			if e.reopen != nil {
				e.st = e.reopen()
				e.restart()
			}
			r, err := e.svc.Idle(e.ctx, "box", alice, IdleDestroy, key)
			wantAnswered(t, r, err, "", IdleKeepLease, root)
			if got := e.box(); got.Status != store.InstanceReady || !got.Idle.KeepUntil.Equal(kept.Idle.KeepUntil) {
				t.Errorf("box after the second click = %s, kept until %s; want ready, kept until %s", got.Status, got.Idle.KeepUntil, kept.Idle.KeepUntil)
			}
			if ops, err := e.st.ListOperations(e.ctx, false); err != nil || len(ops) != 0 {
				t.Errorf("journal = %+v, %v, want empty: no down was journaled", ops, err)
			}
		})
	}
}

// TestClickDestroyThenExtend presses Destroy now, then Extend on the same
// card: the answer points at the down the first click started.
func TestClickDestroyThenExtend(t *testing.T) {
	for _, sto := range clickStores {
		t.Run(sto.name, func(t *testing.T) {
			e := newClickEnv(t, sto.open)
			const key = "lease/D1/300.1"
			first, err := e.svc.Lease(e.ctx, "box", alice, LeaseDestroy, key)
			if err != nil || first.Op == nil || first.Op.Kind != store.OpDown {
				t.Fatalf("Lease(destroy) = %+v, %v, want a down", first, err)
			}
			r, err := e.svc.Lease(e.ctx, "box", alice, LeaseExtend, key)
			wantAnswered(t, r, err, LeaseDestroy, "", alice)
			if r.Op == nil || r.Op.ID != first.Op.ID {
				t.Errorf("second click's Op = %+v, want the down %s", r.Op, first.Op.ID)
			}
			c, err := e.st.GetClick(e.ctx, key)
			if err != nil || c.Op != first.Op.ID || c.Action != string(LeaseDestroy) {
				t.Errorf("GetClick(%q) = %+v, %v, want the destroy naming %s", key, c, err, first.Op.ID)
			}
		})
	}
}

// TestLegacyClickOperation: a journal written before clicks were
// recorded holds done operations of kind "extend" for lease clicks. A
// click on such a card is still a duplicate that changes nothing, and
// Prune removes them with the other finished operations. (The embedded
// store turns them into clicks when it opens the file; the shared one
// keeps them until then.)
func TestLegacyClickOperation(t *testing.T) {
	e := newClickEnv(t, clickStores[1].open)
	const key = "lease/D1/400.1"
	legacy := store.Operation{ID: "op-legacy", Key: key, Kind: "extend", State: store.OpDone, Step: "extended",
		Owner: alice, Instance: "box", Ended: e.clock.Now()}
	if _, _, err := e.st.CreateOperation(e.ctx, legacy); err != nil {
		t.Fatal(err)
	}
	before := e.box()
	r, err := e.svc.Lease(e.ctx, "box", alice, LeaseExtend, key)
	if err != nil || !r.Duplicate {
		t.Fatalf("click on a legacy card = %+v, %v, want a duplicate", r, err)
	}
	if got := e.box(); !got.LeaseExpiry.Equal(before.LeaseExpiry) {
		t.Errorf("lease after the click = %s, want unchanged %s", got.LeaseExpiry, before.LeaseExpiry)
	}
	e.clock.Advance(31 * 24 * time.Hour)
	if rep, err := e.svc.Prune(e.ctx); err != nil || rep.Operations != 1 {
		t.Errorf("Prune = %+v, %v, want the legacy operation removed", rep, err)
	}
}

// TestPruneClicks checks that Prune removes clicks older than the
// journal's retention, and only those: a pruned card's key is new again.
func TestPruneClicks(t *testing.T) {
	for _, sto := range clickStores {
		t.Run(sto.name, func(t *testing.T) {
			e := newClickEnv(t, sto.open)
			day := 24 * time.Hour
			if _, err := e.svc.Lease(e.ctx, "box", alice, LeaseExtend, "lease/old"); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(20 * day)
			if _, err := e.svc.Idle(e.ctx, "box", alice, IdleKeep, "idle/recent"); err != nil {
				t.Fatal(err)
			}
			e.clock.Advance(11 * day)
			rep, err := e.svc.Prune(e.ctx)
			if err != nil || rep.Clicks != 1 {
				t.Fatalf("Prune = %+v, %v, want 1 click removed", rep, err)
			}
			if _, err := e.st.GetClick(e.ctx, "lease/old"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetClick(lease/old) after Prune = %v, want %v", err, store.ErrNotFound)
			}
			if _, err := e.st.GetClick(e.ctx, "idle/recent"); err != nil {
				t.Errorf("GetClick(idle/recent) after Prune = %v, want it kept", err)
			}
			if rep, err := e.svc.Prune(e.ctx); err != nil || rep.Clicks != 0 {
				t.Errorf("second Prune = %+v, %v, want nothing more", rep, err)
			}
		})
	}
}
