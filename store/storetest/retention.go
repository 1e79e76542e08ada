package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store"
)

// finish moves the operation id to state, ended at end.
func finish(t *testing.T, s Store, id string, state store.OpState, end time.Time) {
	t.Helper()
	_, err := s.UpdateOperation(context.Background(), id, func(op *store.Operation) error {
		op.State, op.Ended = state, end
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateOperation(%q) = %v", id, err)
	}
}

func mustCreateOp(t *testing.T, s Store, op store.Operation) {
	t.Helper()
	if _, created, err := s.CreateOperation(context.Background(), op); err != nil || !created {
		t.Fatalf("CreateOperation(%q) = %v, %v, want created", op.ID, created, err)
	}
}

// opIDs returns the ids of ListOperations(unfinishedOnly), in its order.
func opIDs(t *testing.T, s Store, unfinishedOnly bool) []string {
	t.Helper()
	ops, err := s.ListOperations(context.Background(), unfinishedOnly)
	if err != nil {
		t.Fatalf("ListOperations(%v) = %v", unfinishedOnly, err)
	}
	ids := []string{}
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	return ids
}

// testOpenOperations checks that the unfinished operations, read through
// their index, follow every state change, and only them.
func testOpenOperations(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	for i := range 6 {
		mustCreateOp(t, s, store.Operation{ID: fmt.Sprintf("op-%d", i), Kind: store.OpUp, State: store.OpAccepted})
	}
	finish(t, s, "op-1", store.OpDone, t0)
	finish(t, s, "op-3", store.OpFailed, t0)
	if _, err := s.UpdateOperation(context.Background(), "op-4", func(op *store.Operation) error {
		op.State = store.OpRunning
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := opIDs(t, s, true), []string{"op-0", "op-2", "op-4", "op-5"}; !slices.Equal(got, want) {
		t.Errorf("ListOperations(unfinished) = %v, want %v", got, want)
	}
	// A final operation updated again (say, reported) stays out.
	if _, err := s.UpdateOperation(context.Background(), "op-1", func(op *store.Operation) error {
		op.Reported = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	finish(t, s, "op-0", store.OpDone, t0)
	if got, want := opIDs(t, s, true), []string{"op-2", "op-4", "op-5"}; !slices.Equal(got, want) {
		t.Errorf("ListOperations(unfinished) after more ended = %v, want %v", got, want)
	}
	if got := opIDs(t, s, false); len(got) != 6 {
		t.Errorf("ListOperations(all) = %v, want all 6", got)
	}
}

// testFindOperationByKey checks the lookup through the key index.
func testFindOperationByKey(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	mustCreateOp(t, s, store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpAccepted, Owner: "U1"})
	if _, _, err := s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: "op-2", Key: "env-2", Kind: store.OpDown, State: store.OpAccepted}}); err != nil {
		t.Fatal(err)
	}
	mustCreateOp(t, s, store.Operation{ID: "op-3", Kind: store.OpDown, State: store.OpAccepted})
	tests := []struct {
		key     string
		wantID  string
		wantErr error
	}{
		{"env-1", "op-1", nil},
		{"env-2", "op-2", nil},
		{"env-3", "", store.ErrNotFound},
		{"", "", store.ErrNotFound},
	}
	for _, tt := range tests {
		op, err := s.FindOperationByKey(ctx, tt.key)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("FindOperationByKey(%q) = %v, want %v", tt.key, err, tt.wantErr)
			continue
		}
		if err == nil && (op.ID != tt.wantID || op.Key != tt.key) {
			t.Errorf("FindOperationByKey(%q) = %+v, want operation %s", tt.key, op, tt.wantID)
		}
	}
}

// testPruneOperations removes what ended before the cutoff, a batch at a
// time, with its key, and nothing else.
func testPruneOperations(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	day := 24 * time.Hour
	cutoff := t0.Add(-30 * day)
	ops := []struct {
		id, key string
		kind    store.OpKind
		state   store.OpState // OpAccepted: left unfinished
		ended   time.Time
	}{
		{"old-done", "k-old-done", store.OpUp, store.OpDone, cutoff.Add(-10 * day)},
		{"old-failed", "k-old-failed", store.OpDown, store.OpFailed, cutoff.Add(-time.Second)},
		{"old-done-2", "", store.OpDown, store.OpDone, cutoff.Add(-20 * day)},
		{"old-snapshot", "k-old-snapshot", store.OpSnapshotCreate, store.OpDone, cutoff.Add(-5 * day)},
		{"at-cutoff", "k-at-cutoff", store.OpUp, store.OpDone, cutoff},
		{"recent", "k-recent", store.OpUp, store.OpDone, t0.Add(-day)},
		{"open", "k-open", store.OpUp, store.OpAccepted, time.Time{}},
	}
	for _, o := range ops {
		mustCreateOp(t, s, store.Operation{ID: o.id, Key: o.key, Kind: o.kind, State: store.OpAccepted})
		if o.state.Final() {
			finish(t, s, o.id, o.state, o.ended)
		}
	}
	keep := func(op *store.Operation) bool { return op.Kind == store.OpSnapshotCreate }
	removed, passes := 0, 0
	for more := true; more; passes++ {
		if passes > 10 {
			t.Fatal("PruneOperations still reports more after 10 passes")
		}
		n, m, err := s.PruneOperations(ctx, cutoff, 2, keep)
		if err != nil {
			t.Fatalf("PruneOperations = %v", err)
		}
		removed, more = removed+n, m
	}
	if removed != 3 || passes < 2 {
		t.Errorf("PruneOperations removed %d in %d passes of 2, want 3 in at least 2", removed, passes)
	}
	want := []string{"at-cutoff", "old-snapshot", "open", "recent"}
	got := opIDs(t, s, false)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("operations after pruning = %v, want %v", got, want)
	}
	for _, key := range []string{"k-old-done", "k-old-failed"} {
		if op, err := s.FindOperationByKey(ctx, key); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindOperationByKey(%q) after pruning = %+v, %v, want ErrNotFound", key, op, err)
		}
	}
	for _, key := range []string{"k-old-snapshot", "k-recent", "k-open"} {
		if _, err := s.FindOperationByKey(ctx, key); err != nil {
			t.Errorf("FindOperationByKey(%q) after pruning = %v, want the operation", key, err)
		}
	}
	if got, want := opIDs(t, s, true), []string{"open"}; !slices.Equal(got, want) {
		t.Errorf("ListOperations(unfinished) after pruning = %v, want %v", got, want)
	}
	// An operation that ends later, with an old end time, is pruned by a
	// later pass; the kept one is not looked at again.
	finish(t, s, "open", store.OpFailed, cutoff.Add(-day))
	n, more, err := s.PruneOperations(ctx, cutoff, 10, func(op *store.Operation) bool {
		if op.ID == "old-snapshot" {
			t.Errorf("PruneOperations asked keep about %q again", op.ID)
		}
		return false
	})
	if err != nil || n != 1 || more {
		t.Errorf("PruneOperations after another ended = %d, %v, %v, want 1, false, nil", n, more, err)
	}
	// The key of a pruned operation is free again.
	op, created, err := s.CreateOperation(ctx, store.Operation{ID: "new", Key: "k-old-done", Kind: store.OpUp, State: store.OpAccepted})
	if err != nil || !created || op.ID != "new" {
		t.Errorf("CreateOperation with a pruned key = %s, %v, %v, want new, created", op.ID, created, err)
	}
}

// testPruneAudit removes the events older than the cutoff, a batch at a
// time.
func testPruneAudit(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	day := 24 * time.Hour
	cutoff := t0.Add(-365 * day)
	times := []time.Time{cutoff.Add(-100 * day), cutoff.Add(-time.Nanosecond), cutoff.Add(-50 * day), cutoff, t0}
	for i, at := range times {
		if err := s.Audit(ctx, store.AuditEvent{Time: at, Actor: "U1", Action: fmt.Sprintf("a%d", i), Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	removed, passes := 0, 0
	for more := true; more; passes++ {
		if passes > 10 {
			t.Fatal("PruneAudit still reports more after 10 passes")
		}
		n, m, err := s.PruneAudit(ctx, cutoff, 2)
		if err != nil {
			t.Fatalf("PruneAudit = %v", err)
		}
		removed, more = removed+n, m
	}
	if removed != 3 {
		t.Errorf("PruneAudit removed %d, want 3", removed)
	}
	events, err := s.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ev := range events {
		got = append(got, ev.Action)
	}
	if want := []string{"a3", "a4"}; !gocmp.Equal(got, want) {
		t.Errorf("audit after pruning = %v, want %v", got, want)
	}
}

// testListEndedOperations reads the final operations that ended since a
// time, through the end time index.
func testListEndedOperations(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	for i, end := range []time.Duration{-3 * time.Hour, -2 * time.Hour, -time.Hour, 0} {
		id := fmt.Sprintf("op-%d", i)
		mustCreateOp(t, s, store.Operation{ID: id, Kind: store.OpUp, State: store.OpAccepted})
		finish(t, s, id, store.OpDone, t0.Add(end))
	}
	mustCreateOp(t, s, store.Operation{ID: "op-open", Kind: store.OpUp, State: store.OpRunning})
	tests := []struct {
		since time.Time
		want  []string
	}{
		{t0.Add(-2 * time.Hour), []string{"op-1", "op-2", "op-3"}},
		{t0.Add(-2*time.Hour + 1), []string{"op-2", "op-3"}},
		{t0.Add(time.Second), nil},
		{time.Time{}, []string{"op-0", "op-1", "op-2", "op-3"}},
	}
	for _, tt := range tests {
		ops, err := s.ListEndedOperations(ctx, tt.since)
		if err != nil {
			t.Fatalf("ListEndedOperations(%v) = %v", tt.since, err)
		}
		var got []string
		for _, op := range ops {
			got = append(got, op.ID)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("ListEndedOperations(%v) = %v, want %v", tt.since, got, tt.want)
		}
	}
}
