package bolt

import (
	"context"
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
