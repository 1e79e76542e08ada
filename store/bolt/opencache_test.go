package bolt

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store"
	bbolt "go.etcd.io/bbolt"
)

// openInFile returns the unfinished operations as the file has them,
// read by scanning the whole journal.
func openInFile(t *testing.T, db *DB) []store.Operation {
	t.Helper()
	var out []store.Operation
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		var err error
		out, err = operations.list(tx, nil, func(op *store.Operation) bool { return !op.State.Final() })
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestOpenCacheFollowsTheFile races accepts, creations and updates that
// finish operations right after they are journaled, and checks that the
// unfinished operations answered from memory are those of the file, also
// after a reopen.
func TestOpenCacheFollowsTheFile(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				id := fmt.Sprintf("op-%d-%d", w, i)
				op := store.Operation{ID: id, Key: "k-" + id, Kind: store.OpUp, State: store.OpAccepted}
				var err error
				if i%2 == 0 {
					_, _, err = db.Accept(ctx, store.Acceptance{Op: op})
				} else {
					_, _, err = db.CreateOperation(ctx, op)
				}
				if err != nil {
					t.Errorf("journal %s: %v", id, err)
					return
				}
				if i%3 == 0 {
					continue // left unfinished
				}
				// Another goroutine finishes it at once, as a runner would.
				wg.Go(func() {
					_, err := db.UpdateOperation(ctx, id, func(op *store.Operation) error {
						op.State = store.OpDone
						return nil
					})
					if err != nil {
						t.Errorf("finish %s: %v", id, err)
					}
				})
			}
		})
	}
	wg.Wait()
	want := openInFile(t, db)
	got, err := db.ListOperations(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) != 8*7 {
		t.Errorf("file holds %d unfinished operations, want %d", len(want), 8*7)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListOperations(unfinished) differs from the file (-file +memory):\n%s", diff)
	}
	path := db.Path()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	again := openAt(t, path, clk)
	if got, err := again.ListOperations(ctx, true); err != nil || !cmp.Equal(want, got) {
		t.Errorf("ListOperations(unfinished) after reopen = %d operations, %v; want the %d of the file", len(got), err, len(want))
	}
}
