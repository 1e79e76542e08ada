package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestApprovals(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	t0 := clk.Now()
	if _, err := db.GetApproval(ctx, "op-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetApproval(%q) before PutApproval = %v, want %v", "op-1", err, ErrNotFound)
	}
	first := Approval{OpID: "op-1", State: ApprovalPending, Requester: "U1", Expires: t0.Add(time.Hour)}
	if err := db.PutApproval(ctx, first); err != nil {
		t.Fatal(err)
	}
	first.Created = t0
	got, err := db.GetApproval(ctx, "op-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, *got); diff != "" {
		t.Errorf("GetApproval after PutApproval (-want +got):\n%s", diff)
	}

	// Replacing keeps what the caller gives, Created included.
	first.Cards = []string{"C1/100.1", "D2/100.2"}
	if err := db.PutApproval(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.GetApproval(ctx, "op-1"); !cmp.Equal(first, *got) {
		t.Errorf("GetApproval after second PutApproval = %+v, want %+v", got, first)
	}

	clk.Advance(time.Minute)
	if err := db.PutApproval(ctx, Approval{OpID: "op-2", State: ApprovalPending, Requester: "U2"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutApproval(ctx, Approval{OpID: "op-0", State: ApprovalExpired, Requester: "U2"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutApproval(ctx, Approval{State: ApprovalPending}); err == nil {
		t.Errorf("PutApproval(no operation id) = nil, want an error")
	}

	// A second approver sees the first one's decision and changes nothing.
	decide := func(by string) func(*Approval) error {
		return func(a *Approval) error {
			if a.State != ApprovalPending {
				return errDecided
			}
			a.State, a.DecidedBy, a.DecidedAt = ApprovalApproved, by, clk.Now()
			return nil
		}
	}
	got, err = db.UpdateApproval(ctx, "op-1", decide("U8"))
	if err != nil {
		t.Fatalf("UpdateApproval(op-1) = %v", err)
	}
	if got.State != ApprovalApproved || got.DecidedBy != "U8" {
		t.Errorf("UpdateApproval(op-1) = %+v, want approved by U8", got)
	}
	if _, err := db.UpdateApproval(ctx, "op-1", decide("U9")); err != errDecided {
		t.Errorf("second UpdateApproval(op-1) = %v, want %v as it is", err, errDecided)
	}
	if stored, _ := db.GetApproval(ctx, "op-1"); stored.DecidedBy != "U8" {
		t.Errorf("DecidedBy after second press = %q, want U8", stored.DecidedBy)
	}
	if _, err := db.UpdateApproval(ctx, "op-9", decide("U8")); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateApproval(%q) = %v, want %v", "op-9", err, ErrNotFound)
	}

	tests := []struct {
		pendingOnly bool
		want        []string
	}{
		{false, []string{"op-1", "op-0", "op-2"}},
		{true, []string{"op-2"}},
	}
	for _, tt := range tests {
		list, err := db.ListApprovals(ctx, tt.pendingOnly)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range list {
			got = append(got, a.OpID)
		}
		if !cmp.Equal(got, tt.want) {
			t.Errorf("ListApprovals(%v) = %q, want %q", tt.pendingOnly, got, tt.want)
		}
	}
}

var errDecided = errors.New("already decided")
