package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store"
)

func testCreateOperation(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	first := store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpAccepted, Owner: "U1",
		Provider: "hetzner", Instance: "dev", Request: []byte(`{"size":"cx22"}`)}
	w := around()
	got, created, err := s.CreateOperation(ctx, first)
	w.close()
	if err != nil || !created {
		t.Fatalf("CreateOperation(%+v) = %v, %v, want created", first, created, err)
	}
	w.check(t, "Created", got.Created)
	if !got.Updated.Equal(got.Created) {
		t.Errorf("CreateOperation: Updated = %v, want Created (%v)", got.Updated, got.Created)
	}
	want := first
	want.Created, want.Updated = got.Created, got.Created
	if diff := gocmp.Diff(want, got); diff != "" {
		t.Errorf("CreateOperation (-want +got):\n%s", diff)
	}

	tests := []struct {
		name        string
		op          store.Operation
		wantCreated bool
		want        store.Operation // what CreateOperation returns, stamps aside, when it succeeds
		wantErr     error
	}{
		{name: "same key, other id", op: store.Operation{ID: "op-2", Key: "env-1", Kind: store.OpDown, Owner: "U2"}, want: want},
		{name: "same key, same id", op: store.Operation{ID: "op-1", Key: "env-1"}, want: want},
		{
			name:        "other key",
			op:          store.Operation{ID: "op-3", Key: "env-3", Kind: store.OpDown},
			wantCreated: true,
			want:        store.Operation{ID: "op-3", Key: "env-3", Kind: store.OpDown},
		},
		{
			name:        "no key",
			op:          store.Operation{ID: "op-4", Kind: store.OpDown},
			wantCreated: true,
			want:        store.Operation{ID: "op-4", Kind: store.OpDown},
		},
		{name: "id taken, no key", op: store.Operation{ID: "op-1"}, wantErr: store.ErrExists},
		{name: "id taken, new key", op: store.Operation{ID: "op-1", Key: "env-5"}, wantErr: store.ErrExists},
		{name: "no id", op: store.Operation{Key: "env-9"}, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := around()
			got, created, err := s.CreateOperation(ctx, tt.op)
			w.close()
			if tt.wantErr == errAny {
				if err == nil {
					t.Fatalf("CreateOperation(%+v) = %+v, %v, nil, want an error", tt.op, got, created)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) || created != tt.wantCreated {
				t.Fatalf("CreateOperation(%+v) = %v, %v, want %v, %v", tt.op, created, err, tt.wantCreated, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.wantCreated {
				w.check(t, "Created", got.Created)
				tt.want.Created, tt.want.Updated = got.Created, got.Created
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CreateOperation(%+v) (-want +got):\n%s", tt.op, diff)
			}
			stored, err := s.GetOperation(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(tt.want, *stored); diff != "" {
				t.Errorf("GetOperation(%q) (-want +got):\n%s", got.ID, diff)
			}
		})
	}
	for _, id := range []string{"op-2", "op-9", ""} {
		if _, err := s.GetOperation(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetOperation(%q) = %v, want %v", id, err, store.ErrNotFound)
		}
	}
	// The key of an operation that was refused is still free.
	if _, created, err := s.CreateOperation(ctx, store.Operation{ID: "op-5", Key: "env-5"}); err != nil || !created {
		t.Errorf("CreateOperation(op-5, env-5) = %v, %v, want created", created, err)
	}
}

// testCreateOperationConcurrent delivers one request many times at once:
// exactly one delivery creates the operation, and every one is answered
// with it.
func testCreateOperationConcurrent(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	const deliveries = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		ids     = map[string]int{}
	)
	for d := range deliveries {
		wg.Go(func() {
			op, ok, err := s.CreateOperation(ctx, store.Operation{ID: fmt.Sprintf("op-%d", d), Key: "env-1", Kind: store.OpUp})
			if err != nil {
				t.Errorf("CreateOperation(op-%d, env-1) = %v", d, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[op.ID]++
			if ok {
				created++
			}
		})
	}
	wg.Wait()
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d concurrent CreateOperation with one key: %d created, answered with %d ids (%v), want 1 and 1", deliveries, created, len(ids), ids)
	}
	ops, err := s.ListOperations(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != 1 {
		t.Errorf("ListOperations after %d deliveries = %d operations, want 1", deliveries, len(ops))
	}
}

func testUpdateOperation(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	orig, _, err := s.CreateOperation(ctx, store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpAccepted})
	if err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		name string
		fn   func(*store.Operation) error
	}{
		{"fn error", func(op *store.Operation) error { op.State = store.OpFailed; return errNo }},
		{"id change", func(op *store.Operation) error { op.ID = "op-2"; return nil }},
		{"key change", func(op *store.Operation) error { op.Key = "env-2"; return nil }},
	}
	for _, r := range refusals {
		if got, err := s.UpdateOperation(ctx, "op-1", r.fn); err == nil || got != nil {
			t.Errorf("UpdateOperation(%q) with %s = %+v, %v, want an error", "op-1", r.name, got, err)
		} else if errors.Is(err, errNo) && err != errNo {
			t.Errorf("UpdateOperation(%q) = %#v, want fn's error as it is", "op-1", err)
		}
		if got, err := s.GetOperation(ctx, "op-1"); err != nil || !gocmp.Equal(*got, orig) {
			t.Errorf("GetOperation after %s = %+v, %v, want %+v", r.name, got, err, orig)
		}
	}
	if _, err := s.GetOperation(ctx, "op-2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOperation(%q) after a refused id change = %v, want %v", "op-2", err, store.ErrNotFound)
	}

	w := around()
	got, err := s.UpdateOperation(ctx, "op-1", func(op *store.Operation) error {
		op.State, op.Step, op.CloudID = store.OpRunning, "created", "4711"
		return nil
	})
	w.close()
	if err != nil {
		t.Fatal(err)
	}
	w.check(t, "Updated", got.Updated)
	want := orig
	want.State, want.Step, want.CloudID, want.Updated = store.OpRunning, "created", "4711", got.Updated
	if diff := gocmp.Diff(want, *got); diff != "" {
		t.Errorf("UpdateOperation (-want +got):\n%s", diff)
	}
	if stored, err := s.GetOperation(ctx, "op-1"); err != nil || !gocmp.Equal(want, *stored) {
		t.Errorf("GetOperation after UpdateOperation = %+v, %v, want %+v", stored, err, want)
	}
	// The key still finds the operation, as it is now.
	if seen, created, err := s.CreateOperation(ctx, store.Operation{ID: "op-3", Key: "env-1"}); err != nil || created || !gocmp.Equal(want, seen) {
		t.Errorf("CreateOperation(same key) after UpdateOperation = %+v, %v, %v, want %+v, false", seen, created, err, want)
	}
	called := false
	if _, err := s.UpdateOperation(ctx, "op-9", func(*store.Operation) error { called = true; return nil }); !errors.Is(err, store.ErrNotFound) || called {
		t.Errorf("UpdateOperation(%q) = %v (fn called: %v), want %v", "op-9", err, called, store.ErrNotFound)
	}

	// The end and whether it was reported are kept as they are.
	ended := time.Date(2025, 3, 10, 9, 30, 0, 0, time.UTC)
	done, err := s.UpdateOperation(ctx, "op-1", func(op *store.Operation) error {
		op.State, op.Ended, op.Reported = store.OpDone, ended, true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stored, err := s.GetOperation(ctx, "op-1"); err != nil || !stored.Ended.Equal(ended) || !stored.Reported || !gocmp.Equal(*done, *stored) {
		t.Errorf("GetOperation after ending = %+v, %v, want ended %v and reported", stored, err, ended)
	}
}

func testListOperations(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	if ops, err := s.ListOperations(ctx, false); err != nil || len(ops) != 0 {
		t.Errorf("ListOperations of an empty store = %+v, %v, want none", ops, err)
	}
	for _, op := range []store.Operation{
		{ID: "op-c", State: store.OpDone},
		{ID: "op-b", State: store.OpRunning},
		{ID: "op-a", State: store.OpAwaitingApproval},
		{ID: "op-e", State: store.OpFailed},
		{ID: "op-d", State: store.OpAccepted},
	} {
		if _, _, err := s.CreateOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.UpdateOperation(ctx, "op-b", func(op *store.Operation) error { op.State = store.OpDone; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		unfinishedOnly bool
		want           []string // in any order; the order is checked apart
	}{
		{false, []string{"op-a", "op-b", "op-c", "op-d", "op-e"}},
		{true, []string{"op-a", "op-d"}},
	}
	for _, tt := range tests {
		ops, err := s.ListOperations(ctx, tt.unfinishedOnly)
		if err != nil {
			t.Fatal(err)
		}
		// Created is now, so ties are likely: the order is Created, then ID.
		ordered := slices.IsSortedFunc(ops, func(a, b store.Operation) int {
			return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
		})
		var got []string
		for _, op := range ops {
			got = append(got, op.ID)
		}
		if !ordered {
			t.Errorf("ListOperations(%v) = %q, not ordered by Created, then ID", tt.unfinishedOnly, got)
		}
		slices.Sort(got)
		if !gocmp.Equal(got, tt.want) {
			t.Errorf("ListOperations(%v) = %q, want %q", tt.unfinishedOnly, got, tt.want)
		}
	}
}
