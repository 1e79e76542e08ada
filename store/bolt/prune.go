package bolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/store"
	bbolt "go.etcd.io/bbolt"
)

// PruneOperations removes final operations that ended before before,
// oldest first, with their index entries, in one short transaction that
// looks at no more than limit of them; keep, when set, spares an operation
// (it is looked at once, and kept for good). It returns how many it
// removed and whether more may be due: call it again until more is false.
func (db *DB) PruneOperations(ctx context.Context, before time.Time, limit int, keep func(*store.Operation) bool) (removed int, more bool, err error) {
	if limit <= 0 {
		return 0, false, nil
	}
	cutoff := timeKey(before)
	err = db.update(ctx, func(tx *bbolt.Tx) error {
		removed, more = 0, false
		var due [][]byte
		c := tx.Bucket(bucketOperationEnd).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:timeKeyLen], cutoff) < 0; k, _ = c.Next() {
			if len(due) == limit {
				more = true
				break
			}
			due = append(due, bytes.Clone(k))
		}
		ends, ops, keys := tx.Bucket(bucketOperationEnd), tx.Bucket(bucketOperations), tx.Bucket(bucketOperationKey)
		for _, k := range due {
			if err := ends.Delete(k); err != nil {
				return err
			}
			id := k[timeKeyLen:]
			op, err := operations.getIn(ops, id)
			if err != nil {
				return err
			}
			if op == nil || !op.State.Final() || (keep != nil && keep(op)) {
				continue
			}
			if op.Key != "" && bytes.Equal(keys.Get([]byte(op.Key)), id) {
				if err := keys.Delete([]byte(op.Key)); err != nil {
					return err
				}
			}
			if err := ops.Delete(id); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("store: prune operations: %w", err)
	}
	return removed, more, nil
}

// PruneAudit removes audit events whose Time is before before, oldest
// first, at most limit of them in one short transaction. It returns how many
// it removed and whether more may be due.
func (db *DB) PruneAudit(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error) {
	if limit <= 0 {
		return 0, false, nil
	}
	cutoff := timeKey(before)
	err = db.update(ctx, func(tx *bbolt.Tx) error {
		removed, more = 0, false
		var due [][]byte
		c := tx.Bucket(bucketAuditTime).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:timeKeyLen], cutoff) < 0; k, _ = c.Next() {
			if len(due) == limit {
				more = true
				break
			}
			due = append(due, bytes.Clone(k))
		}
		times, events := tx.Bucket(bucketAuditTime), tx.Bucket(bucketAudit)
		for _, k := range due {
			if err := times.Delete(k); err != nil {
				return err
			}
			if err := events.Delete(k[timeKeyLen:]); err != nil {
				return err
			}
			removed++
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("store: prune audit: %w", err)
	}
	return removed, more, nil
}
