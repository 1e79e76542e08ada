package commands

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// benchOpen is the number of unfinished operations in the journal of
// BenchmarkJournal.
const benchOpen = 100

// BenchmarkJournal measures the passes that read the journal, on a bbolt
// file and on an embedded etcd holding 1,000, 10,000 or 100,000 finished
// operations and 100 unfinished ones: a reaper pass, a reconciler pass
// (over the demo cloud, which has no VMs) and a click whose idempotency
// key was seen (a lease button pressed twice), which looks the key up.
// Each should cost the same whatever the number of finished operations.
func BenchmarkJournal(b *testing.B) {
	for _, st := range []string{"bolt", "etcd"} {
		for _, finished := range []int{1_000, 10_000, 100_000} {
			b.Run(fmt.Sprintf("%s/finished=%d", st, finished), func(b *testing.B) {
				benchJournalPasses(b, st, finished)
			})
		}
	}
}

func benchJournalPasses(b *testing.B, st string, finished int) {
	svc, keys := benchJournal(b, st, finished)
	ctx := context.Background()
	b.Run("reap", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Reap(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reconcile", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Reconcile(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("keyed-click", func(b *testing.B) {
		i := 0
		for b.Loop() {
			r, err := svc.Lease(ctx, "dev", "U01", LeaseExtend, keys[i%len(keys)])
			if err != nil || !r.Duplicate {
				b.Fatalf("Lease with a seen key = %+v, %v, want a duplicate", r, err)
			}
			i++
		}
	})
}

// benchJournal returns a Service over a new bbolt file holding finished
// finished operations and benchOpen unfinished ones, with the keys of
// some finished ones.
func benchJournal(b *testing.B, st string, finished int) (*Service, []string) {
	b.Helper()
	ctx := context.Background()
	now := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var db Store
	switch st {
	case "bolt":
		bdb, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), bolt.Options{NoSync: true, Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = bdb.Close() })
		db = bdb
	case "etcd":
		edb, err := etcdstore.Open(ctx, etcdstore.Config{Endpoints: etcdtest.Start(b), Now: clock})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = edb.Close() })
		db = edb
	}
	var keys []string
	var mu sync.Mutex
	work := make(chan store.Operation)
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for op := range work {
				if _, _, err := db.CreateOperation(ctx, op); err != nil {
					mu.Lock()
					b.Error(err)
					mu.Unlock()
				}
			}
		})
	}
	for i := range finished + benchOpen {
		op := store.Operation{ID: fmt.Sprintf("op-%07d", i), Key: fmt.Sprintf("key-%07d", i), Kind: store.OpUp,
			State: store.OpDone, Owner: fmt.Sprintf("U%03d", i%200), Provider: "demo", Instance: fmt.Sprintf("vm-%d", i),
			Ended: now.Add(-time.Duration(finished-i) * time.Minute)}
		if i >= finished {
			// Unfinished ones wait for an approval, which Reap and
			// Reconcile read but do not act on.
			op.Kind, op.State, op.Ended = store.OpDown, store.OpAwaitingApproval, time.Time{}
		}
		work <- op
		if i%(finished/10) == 0 && i < finished {
			keys = append(keys, op.Key)
		}
	}
	close(work)
	wg.Wait()
	svc := New(Config{Now: func() time.Time { return now }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		db, map[string]providers.Provider{"demo": demo.New(demo.Config{})}, &recorder{})
	b.Cleanup(svc.Wait)
	return svc, keys
}
