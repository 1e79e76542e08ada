package bolt

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store"
	bbolt "go.etcd.io/bbolt"
)

// TestMigrateIndexesOperations opens a file of schema version 1, which
// has no index of open operations nor of operations by end time: Open
// fills both, so that unfinished operations are found and old ones pruned.
func TestMigrateIndexesOperations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, op := range []store.Operation{
		{ID: "op-open", Key: "k1", Kind: store.OpUp, State: store.OpRunning},
		{ID: "op-done", Key: "k2", Kind: store.OpUp, State: store.OpDone, Ended: old},
	} {
		if _, _, err := db.CreateOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Make it a version 1 file: no index buckets.
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketOperationOpen, bucketOperationEnd} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	setSchemaVersion(t, path, "1")

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 1 file = %v", err)
	}
	defer db.Close()
	open, err := db.ListOperations(ctx, true)
	if err != nil || len(open) != 1 || open[0].ID != "op-open" {
		t.Errorf("ListOperations(unfinished) after migration = %+v, %v, want op-open", open, err)
	}
	n, more, err := db.PruneOperations(ctx, old.Add(time.Hour), 10, nil)
	if err != nil || n != 1 || more {
		t.Errorf("PruneOperations after migration = %d, %v, %v, want 1, false, nil", n, more, err)
	}
	all, _ := db.ListOperations(ctx, false)
	var ids []string
	for _, op := range all {
		ids = append(ids, op.ID)
	}
	if !slices.Equal(ids, []string{"op-open"}) {
		t.Errorf("operations after pruning = %v, want [op-open]", ids)
	}
}

// TestMigrateClicks opens a file of schema version 2, whose journal holds
// the done operations that once remembered a click ("extend" for a lease
// warning's Extend, "idle-keep" for an idle warning's Keep): Open turns
// them into clicks with the same key and removes them from the journal
// and its indexes, and leaves the real operations alone.
func TestMigrateClicks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, op := range []store.Operation{
		{ID: "op-ext", Key: "lease/D1/1.1", Kind: "extend", State: store.OpDone, Step: "extended", Owner: "U1", Instance: "box", Ended: at},
		{ID: "op-keep", Key: "idle/D1/2.2", Kind: "idle-keep", State: store.OpDone, Step: "keep-lease", Owner: "U2", Instance: "box", Ended: at},
		{ID: "op-down", Key: "lease/D1/3.3", Kind: store.OpDown, State: store.OpDone, Owner: "U1", Instance: "old", Ended: at},
	} {
		if _, _, err := db.CreateOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Make it a version 2 file: no click buckets.
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bucketClicks, bucketClickTime} {
			if err := tx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := bdb.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	setSchemaVersion(t, path, "2")

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 2 file = %v", err)
	}
	defer db.Close()
	for key, want := range map[string]store.Click{
		"lease/D1/1.1": {Key: "lease/D1/1.1", Action: "extend", Instance: "box", Actor: "U1"},
		"idle/D1/2.2":  {Key: "idle/D1/2.2", Action: "keep-lease", Instance: "box", Actor: "U2"},
	} {
		got, err := db.GetClick(ctx, key)
		if err != nil {
			t.Errorf("GetClick(%q) after migration = %v", key, err)
			continue
		}
		got.At = time.Time{} // the operation's Created, stamped by the store
		if *got != want {
			t.Errorf("GetClick(%q) after migration = %+v, want %+v", key, *got, want)
		}
		if _, err := db.FindOperationByKey(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindOperationByKey(%q) after migration = %v, want %v", key, err, store.ErrNotFound)
		}
	}
	if _, err := db.GetClick(ctx, "lease/D1/3.3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetClick of a down's key = %v, want %v: a real operation stays one", err, store.ErrNotFound)
	}
	ended, err := db.ListEndedOperations(ctx, time.Time{})
	if err != nil || len(ended) != 1 || ended[0].ID != "op-down" {
		t.Errorf("ListEndedOperations after migration = %+v, %v, want op-down only", ended, err)
	}
	all, err := db.ListOperations(ctx, false)
	if err != nil || len(all) != 1 || all[0].ID != "op-down" {
		t.Errorf("ListOperations after migration = %+v, %v, want op-down only", all, err)
	}
}

// TestClickSurvivesReopen clicks, closes the file, opens it again and
// clicks with the same key: the second click finds the first.
func TestClickSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := store.Click{Key: "lease/D1/1.1", Action: "extend", Instance: "box", Actor: "U1"}
	if _, created, err := db.RecordClick(ctx, first); err != nil || !created {
		t.Fatalf("RecordClick = %v, %v", created, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, created, err := db.RecordClick(ctx, store.Click{Key: first.Key, Action: "destroy", Actor: "U2"})
	if err != nil || created || got.Actor != "U1" || got.Action != "extend" {
		t.Errorf("RecordClick after reopening = %+v, %v, %v, want U1's extend, not created", got, created, err)
	}
}
