package commands

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// pruneStore is a store Prune is tested on, with its clock.
type pruneStore interface {
	Store
	Close() error
}

// TestPruneRetention journals operations and audit events on the fake
// clock, moves it on, and checks that Prune removes exactly what is older
// than each retention, on both stores.
func TestPruneRetention(t *testing.T) {
	day := 24 * time.Hour
	opens := []struct {
		name string
		open func(t *testing.T, now func() time.Time) pruneStore
	}{
		{"bolt", func(t *testing.T, now func() time.Time) pruneStore {
			db, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), bolt.Options{Now: now})
			if err != nil {
				t.Fatalf("bolt.Open: %v", err)
			}
			return db
		}},
		{"etcd", func(t *testing.T, now func() time.Time) pruneStore {
			st, err := etcdstore.Open(t.Context(), etcdstore.Config{Endpoints: etcdtest.Start(t), Now: now})
			if err != nil {
				t.Fatalf("etcdstore.Open: %v", err)
			}
			return st
		}},
	}
	for _, o := range opens {
		t.Run(o.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newClock()
			st := o.open(t, clock.Now)
			t.Cleanup(func() {
				if err := st.Close(); err != nil {
					t.Errorf("Close: %v", err)
				}
			})
			svc := New(Config{Now: clock.Now, JournalRetention: 30 * day, AuditRetention: 365 * day},
				st, map[string]providers.Provider{"demo": demo.New(demo.Config{Now: clock.Now})}, &recorder{})
			t.Cleanup(svc.Wait)

			// journal records an operation that ends now, with its audit
			// line, under key.
			journal := func(id string, kind store.OpKind, state store.OpState, snapshotID string) {
				t.Helper()
				op := store.Operation{ID: id, Key: "key-" + id, Kind: kind, State: store.OpAccepted, SnapshotID: snapshotID}
				if _, _, err := st.CreateOperation(ctx, op); err != nil {
					t.Fatal(err)
				}
				if state.Final() {
					if _, err := st.UpdateOperation(ctx, id, func(op *store.Operation) error {
						op.State, op.Ended = state, clock.Now()
						return nil
					}); err != nil {
						t.Fatal(err)
					}
				}
				if err := st.Audit(ctx, store.AuditEvent{Actor: "U1", Action: id, Outcome: "ok"}); err != nil {
					t.Fatal(err)
				}
			}
			journal("year-old", store.OpUp, store.OpDone, "") // 400 days before the end
			clock.Advance(360 * day)
			journal("old-done", store.OpDown, store.OpDone, "") // 40 days before
			journal("old-failed", store.OpUp, store.OpFailed, "")
			journal("old-snapshot", store.OpSnapshotCreate, store.OpDone, "snap-1")
			journal("old-down-snapshot", store.OpDown, store.OpDone, "snap-2")
			journal("old-open", store.OpUp, store.OpRunning, "")
			clock.Advance(20 * day)
			journal("recent", store.OpDown, store.OpDone, "") // 20 days before
			clock.Advance(20 * day)

			rep, err := svc.Prune(ctx)
			if err != nil {
				t.Fatalf("Prune = %v", err)
			}
			if want := (PruneReport{Operations: 3, Audit: 1}); rep != want {
				t.Errorf("Prune = %+v, want %+v", rep, want)
			}
			ops, err := st.ListOperations(ctx, false)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, op := range ops {
				ids = append(ids, op.ID)
			}
			slices.Sort(ids)
			if want := []string{"old-down-snapshot", "old-open", "old-snapshot", "recent"}; !slices.Equal(ids, want) {
				t.Errorf("operations after Prune = %v, want %v", ids, want)
			}
			if op, err := st.FindOperationByKey(ctx, "key-old-done"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("FindOperationByKey(key-old-done) after Prune = %+v, %v, want ErrNotFound", op, err)
			}
			events, err := st.ListAudit(ctx, time.Time{}, 0)
			if err != nil || len(events) != 6 || events[0].Action != "old-done" {
				t.Errorf("audit after Prune = %+v, %v, want the 6 events from old-done on", events, err)
			}

			// Nothing more is due until the clock moves on.
			if rep, err := svc.Prune(ctx); err != nil || rep != (PruneReport{}) {
				t.Errorf("second Prune = %+v, %v, want nothing removed", rep, err)
			}
			clock.Advance(11 * day)
			if rep, err := svc.Prune(ctx); err != nil || rep.Operations != 1 {
				t.Errorf("Prune 11 days later = %+v, %v, want the recent operation removed", rep, err)
			}
		})
	}
}

// TestPruneKeepsEverythingWithoutRetention checks that zero retentions
// keep everything, however old.
func TestPruneKeepsEverythingWithoutRetention(t *testing.T) {
	e := newEnv(t)
	e.up(caller("U01"), "dev")
	e.clock.Advance(10 * 365 * 24 * time.Hour)
	rep, err := e.svc.Prune(e.ctx)
	if err != nil || rep != (PruneReport{}) {
		t.Errorf("Prune without retention = %+v, %v, want nothing removed", rep, err)
	}
	if ops, _ := e.db.ListOperations(e.ctx, false); len(ops) == 0 {
		t.Error("the journal is empty after Prune without retention")
	}
}
