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
	return db.pruneByTime(ctx, "operations", bucketOperationEnd, before, limit, func(tx *bbolt.Tx, id []byte) (bool, error) {
		ops, keys := tx.Bucket(bucketOperations), tx.Bucket(bucketOperationKey)
		op, err := operations.getIn(ops, id)
		if err != nil {
			return false, err
		}
		if op == nil || !op.State.Final() || (keep != nil && keep(op)) {
			return false, nil
		}
		if op.Key != "" && bytes.Equal(keys.Get([]byte(op.Key)), id) {
			if err := keys.Delete([]byte(op.Key)); err != nil {
				return false, err
			}
		}
		return true, ops.Delete(id)
	})
}

// PruneAudit removes audit events whose Time is before before, oldest
// first, at most limit of them in one short transaction. It returns how many
// it removed and whether more may be due.
func (db *DB) PruneAudit(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error) {
	return db.pruneByTime(ctx, "audit", bucketAuditTime, before, limit, func(tx *bbolt.Tx, seq []byte) (bool, error) {
		return true, tx.Bucket(bucketAudit).Delete(seq)
	})
}

// pruneByTime is the shape of every prune: in one short transaction, take
// at most limit entries of the time index bucket (keys: timeKey, then the
// record's key) older than before, delete each entry and hand the record's
// key to drop, which deletes the record and reports whether it counts as
// removed. It returns how many were removed and whether more may be due.
func (db *DB) pruneByTime(ctx context.Context, what string, index []byte, before time.Time, limit int,
	drop func(tx *bbolt.Tx, key []byte) (bool, error)) (removed int, more bool, err error) {
	if limit <= 0 {
		return 0, false, nil
	}
	cutoff := timeKey(before)
	err = db.update(ctx, func(tx *bbolt.Tx) error {
		removed, more = 0, false
		var due [][]byte
		c := tx.Bucket(index).Cursor()
		for k, _ := c.First(); k != nil && bytes.Compare(k[:timeKeyLen], cutoff) < 0; k, _ = c.Next() {
			if len(due) == limit {
				more = true
				break
			}
			due = append(due, bytes.Clone(k))
		}
		times := tx.Bucket(index)
		for _, k := range due {
			if err := times.Delete(k); err != nil {
				return err
			}
			gone, err := drop(tx, k[timeKeyLen:])
			if err != nil {
				return err
			}
			if gone {
				removed++
			}
		}
		return nil
	})
	if err != nil {
		return 0, false, fmt.Errorf("store: prune %s: %w", what, err)
	}
	return removed, more, nil
}
