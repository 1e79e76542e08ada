package etcdstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/store"
)

var approvals = &table[store.Approval]{
	kind: "approval",
	key:  func(l layout, a *store.Approval) string { return l.approval(a.OpID) },
}

// PutApproval inserts or replaces the approval of operation a.OpID. A zero
// Created is set to now.
func (s *Store) PutApproval(ctx context.Context, a store.Approval) error {
	if a.OpID == "" {
		return errors.New("etcdstore: put approval: operation id is required")
	}
	if a.Created.IsZero() {
		a.Created = s.now()
	}
	if err := approvals.put(ctx, s, &a, nil); err != nil {
		return fmt.Errorf("etcdstore: put approval %q: %w", a.OpID, err)
	}
	return nil
}

// GetApproval returns the approval of operation opID, or an error wrapping
// store.ErrNotFound.
func (s *Store) GetApproval(ctx context.Context, opID string) (*store.Approval, error) {
	return approvals.load(ctx, s, opID, s.keys.approval(opID))
}

// UpdateApproval applies fn to the approval of operation opID and stores
// the result, atomically, so that of two approvers pressing at once, on
// one replica or two, one sees the other's decision. As with
// UpdateInstance, fn may run more than once. An error from fn leaves the
// approval as it was and is returned as it is.
func (s *Store) UpdateApproval(ctx context.Context, opID string, fn func(*store.Approval) error) (*store.Approval, error) {
	return approvals.update(ctx, s, opID, s.keys.approval(opID), fn)
}

// ListApprovals returns the approvals, only the pending ones when
// pendingOnly is set, ordered by Created, then OpID.
func (s *Store) ListApprovals(ctx context.Context, pendingOnly bool) ([]store.Approval, error) {
	out, err := approvals.list(ctx, s, s.keys.dir("approvals"), func(a *store.Approval) bool {
		return !pendingOnly || a.State == store.ApprovalPending
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list approvals: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Approval) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.OpID, b.OpID))
	})
	return out, nil
}
