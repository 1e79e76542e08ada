package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreateOperation(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	first := Operation{ID: "op-1", Key: "env-1", Kind: OpUp, State: OpAccepted, Owner: "U1"}
	t0 := clk.Now()

	got, created, err := db.CreateOperation(ctx, first)
	if err != nil || !created {
		t.Fatalf("CreateOperation(%+v) = %v, %v, want created", first, created, err)
	}
	want := first
	want.Created, want.Updated = t0, t0
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CreateOperation (-want +got):\n%s", diff)
	}

	clk.Advance(time.Minute)
	tests := []struct {
		name        string
		op          Operation
		wantCreated bool
		want        Operation // what CreateOperation returns when it succeeds
		wantErr     error
	}{
		{
			name: "same key, other id",
			op:   Operation{ID: "op-2", Key: "env-1", Kind: OpDown, Owner: "U2"},
			want: want,
		},
		{
			name: "same key, same id",
			op:   Operation{ID: "op-1", Key: "env-1"},
			want: want,
		},
		{
			name:        "other key",
			op:          Operation{ID: "op-3", Key: "env-3", Kind: OpDown},
			wantCreated: true,
			want:        Operation{ID: "op-3", Key: "env-3", Kind: OpDown, Created: t0.Add(time.Minute), Updated: t0.Add(time.Minute)},
		},
		{
			name:        "no key",
			op:          Operation{ID: "op-4", Kind: OpDown},
			wantCreated: true,
			want:        Operation{ID: "op-4", Kind: OpDown, Created: t0.Add(time.Minute), Updated: t0.Add(time.Minute)},
		},
		{name: "id taken, no key", op: Operation{ID: "op-1"}, wantErr: ErrExists},
		{name: "id taken, new key", op: Operation{ID: "op-1", Key: "env-5"}, wantErr: ErrExists},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, created, err := db.CreateOperation(ctx, tt.op)
			if !errors.Is(err, tt.wantErr) || created != tt.wantCreated {
				t.Fatalf("CreateOperation(%+v) = %v, %v, want %v, %v", tt.op, created, err, tt.wantCreated, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CreateOperation(%+v) (-want +got):\n%s", tt.op, diff)
			}
			stored, err := db.GetOperation(ctx, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *stored); diff != "" {
				t.Errorf("GetOperation(%q) (-want +got):\n%s", got.ID, diff)
			}
		})
	}
	if _, err := db.GetOperation(ctx, "op-2"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetOperation(%q) of a deduplicated operation = %v, want %v", "op-2", err, ErrNotFound)
	}
	if _, _, err := db.CreateOperation(ctx, Operation{Key: "env-9"}); err == nil {
		t.Errorf("CreateOperation(no id) = nil error, want one")
	}
}

func TestUpdateOperation(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	t0 := clk.Now()
	orig, _, err := db.CreateOperation(ctx, Operation{ID: "op-1", Key: "env-1", Kind: OpUp, State: OpAccepted})
	if err != nil {
		t.Fatal(err)
	}
	t1 := clk.Advance(time.Minute)
	errNo := errors.New("no thanks")

	for _, fn := range []func(*Operation) error{
		func(op *Operation) error { op.State = OpFailed; return errNo },
		func(op *Operation) error { op.ID = "op-2"; return nil },
		func(op *Operation) error { op.Key = "env-2"; return nil },
	} {
		if got, err := db.UpdateOperation(ctx, "op-1", fn); err == nil {
			t.Errorf("UpdateOperation(%q) = %+v, want an error", "op-1", got)
		} else if errors.Is(err, errNo) && err != errNo {
			t.Errorf("UpdateOperation(%q) = %#v, want fn's error as it is", "op-1", err)
		}
		if got, err := db.GetOperation(ctx, "op-1"); err != nil || !cmp.Equal(*got, orig) {
			t.Errorf("GetOperation after failed update = %+v, %v, want %+v", got, err, orig)
		}
	}

	got, err := db.UpdateOperation(ctx, "op-1", func(op *Operation) error {
		op.State, op.Step, op.CloudID = OpRunning, "created", "4711"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := orig
	want.State, want.Step, want.CloudID, want.Created, want.Updated = OpRunning, "created", "4711", t0, t1
	if diff := cmp.Diff(want, *got); diff != "" {
		t.Errorf("UpdateOperation (-want +got):\n%s", diff)
	}
	if stored, _ := db.GetOperation(ctx, "op-1"); !cmp.Equal(want, *stored) {
		t.Errorf("GetOperation after UpdateOperation = %+v, want %+v", stored, want)
	}
	if _, err := db.UpdateOperation(ctx, "op-9", func(*Operation) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateOperation(%q) = %v, want %v", "op-9", err, ErrNotFound)
	}
}

func TestListOperations(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	for _, op := range []Operation{
		{ID: "op-c", State: OpDone},
		{ID: "op-b", State: OpRunning},
		{ID: "op-a", State: OpAwaitingApproval},
		{ID: "op-e", State: OpFailed},
		{ID: "op-d", State: OpAccepted},
	} {
		if op.ID == "op-e" {
			clk.Advance(time.Second) // op-c, op-b and op-a share a Created time
		}
		if _, _, err := db.CreateOperation(ctx, op); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		unfinishedOnly bool
		want           []string
	}{
		{false, []string{"op-a", "op-b", "op-c", "op-d", "op-e"}},
		{true, []string{"op-a", "op-b", "op-d"}},
	}
	for _, tt := range tests {
		ops, err := db.ListOperations(ctx, tt.unfinishedOnly)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, op := range ops {
			got = append(got, op.ID)
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("ListOperations(%v) = %q, want %q", tt.unfinishedOnly, got, tt.want)
		}
	}
}
