package bolt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

var approvals = &table[store.Approval]{
	kind:   "approval",
	bucket: bucketApprovals,
	key:    func(a *store.Approval) []byte { return []byte(a.OpID) },
}

// PutApproval inserts or replaces the approval of operation a.OpID. A zero
// Created is set to now.
func (db *DB) PutApproval(ctx context.Context, a store.Approval) error {
	if a.OpID == "" {
		return errors.New("store: put approval: operation id is required")
	}
	if a.Created.IsZero() {
		a.Created = db.now()
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		old, err := approvals.get(tx, []byte(a.OpID))
		if err != nil {
			return err
		}
		return approvals.put(tx, old, &a)
	})
	if err != nil {
		return fmt.Errorf("store: put approval %q: %w", a.OpID, err)
	}
	return nil
}

// GetApproval returns the approval of operation opID, or an error wrapping
// ErrNotFound.
func (db *DB) GetApproval(ctx context.Context, opID string) (*store.Approval, error) {
	return approvals.load(ctx, db, opID)
}

// UpdateApproval applies fn to the approval of operation opID and stores
// the result, atomically, so that of two approvers pressing at once one
// sees the other's decision. An error from fn leaves the approval as it
// was and is returned as it is.
func (db *DB) UpdateApproval(ctx context.Context, opID string, fn func(*store.Approval) error) (*store.Approval, error) {
	return approvals.update(ctx, db, opID, fn)
}

// ListApprovals returns the approvals, only the pending ones when
// pendingOnly is set, ordered by Created, then OpID.
func (db *DB) ListApprovals(ctx context.Context, pendingOnly bool) ([]store.Approval, error) {
	var out []store.Approval
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = approvals.list(tx, nil, func(a *store.Approval) bool {
			return !pendingOnly || a.State == store.ApprovalPending
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list approvals: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Approval) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.OpID, b.OpID))
	})
	return out, nil
}
