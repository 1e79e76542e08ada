package bolt

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/store"
)

// TestListOperationsTies checks the tie-break of ListOperations' order.
// CreateOperation stamps Created itself, so only a clock that stands still
// can give operations the same Created; the behaviour suite, on the real
// clock, checks the order and the filter otherwise.
func TestListOperationsTies(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	// op-c, op-b and op-a share one Created, op-e and op-d a later one.
	for _, group := range [][]string{{"op-c", "op-b", "op-a"}, {"op-e", "op-d"}} {
		for _, id := range group {
			if _, _, err := db.CreateOperation(ctx, store.Operation{ID: id, State: store.OpRunning}); err != nil {
				t.Fatal(err)
			}
		}
		clk.Advance(time.Second)
	}
	ops, err := db.ListOperations(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, op := range ops {
		got = append(got, op.ID)
	}
	if want := []string{"op-a", "op-b", "op-c", "op-d", "op-e"}; !cmp.Equal(got, want) {
		t.Errorf("ListOperations(false) = %q, want %q (Created, then ID)", got, want)
	}
}
