package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store"
)

func testApprovals(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.GetApproval(ctx, "op-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetApproval(%q) before PutApproval = %v, want %v", "op-1", err, store.ErrNotFound)
	}
	first := store.Approval{OpID: "op-1", State: store.ApprovalPending, Requester: "U1", Expires: t0.Add(time.Hour)}
	w := around()
	if err := s.PutApproval(ctx, first); err != nil {
		t.Fatal(err)
	}
	w.close()
	got, err := s.GetApproval(ctx, "op-1")
	if err != nil {
		t.Fatal(err)
	}
	w.check(t, "Created", got.Created)
	first.Created = got.Created
	if diff := cmp.Diff(first, *got); diff != "" {
		t.Errorf("GetApproval after PutApproval (-want +got):\n%s", diff)
	}

	// Replacing keeps what the caller gives, Created included.
	first.Cards = []string{"C1/100.1", "D2/100.2"}
	first.Created = t0
	if err := s.PutApproval(ctx, first); err != nil {
		t.Fatal(err)
	}
	if got, err := s.GetApproval(ctx, "op-1"); err != nil || !cmp.Equal(first, *got) {
		t.Errorf("GetApproval after second PutApproval = %+v, %v, want %+v", got, err, first)
	}
	for _, a := range []store.Approval{
		{OpID: "op-2", State: store.ApprovalPending, Requester: "U2", Created: t0.Add(2 * time.Minute)},
		{OpID: "op-0", State: store.ApprovalExpired, Requester: "U2", Created: t0.Add(time.Minute)},
		{OpID: "op-3", State: store.ApprovalPending, Requester: "U3", Created: t0.Add(time.Minute)},
	} {
		if err := s.PutApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutApproval(ctx, store.Approval{State: store.ApprovalPending}); err == nil {
		t.Errorf("PutApproval(no operation id) = nil, want an error")
	}

	// A second approver sees the first one's decision and changes nothing.
	got, err = s.UpdateApproval(ctx, "op-1", decide("U8"))
	if err != nil {
		t.Fatalf("UpdateApproval(op-1) = %v", err)
	}
	if got.State != store.ApprovalApproved || got.DecidedBy != "U8" || !cmp.Equal(got.Cards, first.Cards) {
		t.Errorf("UpdateApproval(op-1) = %+v, want approved by U8 with the cards kept", got)
	}
	if _, err := s.UpdateApproval(ctx, "op-1", decide("U9")); err != errDecided {
		t.Errorf("second UpdateApproval(op-1) = %v, want %v as it is", err, errDecided)
	}
	if stored, err := s.GetApproval(ctx, "op-1"); err != nil || stored.DecidedBy != "U8" {
		t.Errorf("GetApproval(op-1) after second press = %+v, %v, want decided by U8", stored, err)
	}
	called := false
	if _, err := s.UpdateApproval(ctx, "op-9", func(*store.Approval) error { called = true; return nil }); !errors.Is(err, store.ErrNotFound) || called {
		t.Errorf("UpdateApproval(%q) = %v (fn called: %v), want %v", "op-9", err, called, store.ErrNotFound)
	}

	tests := []struct {
		pendingOnly bool
		want        []string
	}{
		{false, []string{"op-1", "op-0", "op-3", "op-2"}},
		{true, []string{"op-3", "op-2"}},
	}
	for _, tt := range tests {
		list, err := s.ListApprovals(ctx, tt.pendingOnly)
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
	t.Run("concurrent presses", func(t *testing.T) { testApprovalRace(t, s) })
}

var errDecided = errors.New("already decided")

// decide returns an update that approves a pending approval on behalf of
// by, and refuses with errDecided one that is decided already.
func decide(by string) func(*store.Approval) error {
	return func(a *store.Approval) error {
		if a.State != store.ApprovalPending {
			return errDecided
		}
		a.State, a.DecidedBy, a.DecidedAt = store.ApprovalApproved, by, t0
		return nil
	}
}

// testApprovalRace has approvers press at once: exactly one decides, and
// the stored decision is that one's.
func testApprovalRace(t *testing.T, s Store) {
	ctx := context.Background()
	if err := s.PutApproval(ctx, store.Approval{OpID: "op-race", State: store.ApprovalPending, Requester: "U1"}); err != nil {
		t.Fatal(err)
	}
	approvers := []string{"U5", "U6", "U7", "U8", "U9"}
	var wg sync.WaitGroup
	winners := make(chan string, len(approvers))
	for _, by := range approvers {
		wg.Go(func() {
			_, err := s.UpdateApproval(ctx, "op-race", decide(by))
			switch {
			case err == nil:
				winners <- by
			case err != errDecided:
				t.Errorf("UpdateApproval(op-race) by %s = %v, want nil or %v", by, err, errDecided)
			}
		})
	}
	wg.Wait()
	close(winners)
	var won []string
	for by := range winners {
		won = append(won, by)
	}
	if len(won) != 1 {
		t.Fatalf("approvers that decided op-race = %q, want exactly one", won)
	}
	if stored, err := s.GetApproval(ctx, "op-race"); err != nil || stored.DecidedBy != won[0] {
		t.Errorf("GetApproval(op-race) = %+v, %v, want decided by %s", stored, err, won[0])
	}
}
