package etcdstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// TestOpenIndexesUnfinishedOperations has Open find a journal written
// without the index of unfinished operations, as by an earlier spuffbot:
// ListOperations(unfinished) still finds every unfinished one, and keeps
// finding them as they change.
func TestOpenIndexesUnfinishedOperations(t *testing.T) {
	ctx := context.Background()
	endpoints := etcdtest.Start(t)
	prefix := newPrefix()
	first := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: prefix})
	for _, op := range []store.Operation{
		{ID: "op-open", Kind: store.OpUp, State: store.OpRunning},
		{ID: "op-done", Kind: store.OpUp, State: store.OpDone},
	} {
		raw, err := json.Marshal(op)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := first.Client().Put(ctx, prefix+"operations/"+op.ID, string(raw)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := first.Client().Delete(ctx, prefix+"meta/operations_open_indexed"); err != nil {
		t.Fatal(err)
	}

	s := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: prefix})
	if got := openIDs(t, s); len(got) != 1 || got[0] != "op-open" {
		t.Fatalf("ListOperations(unfinished) after Open = %v, want [op-open]", got)
	}
	if _, err := s.UpdateOperation(ctx, "op-open", func(op *store.Operation) error { op.State = store.OpDone; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.CreateOperation(ctx, store.Operation{ID: "op-new", Kind: store.OpDown, State: store.OpAccepted}); err != nil {
		t.Fatal(err)
	}
	if got := openIDs(t, s); len(got) != 1 || got[0] != "op-new" {
		t.Errorf("ListOperations(unfinished) = %v, want [op-new]", got)
	}
	if all, err := s.ListOperations(ctx, false); err != nil || len(all) != 3 {
		t.Errorf("ListOperations(all) = %d, %v, want 3", len(all), err)
	}
}

func openIDs(t *testing.T, s *etcdstore.Store) []string {
	t.Helper()
	ops, err := s.ListOperations(context.Background(), true)
	if err != nil {
		t.Fatalf("ListOperations(true) = %v", err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	return ids
}
