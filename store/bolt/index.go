package bolt

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spuffbot/spuffbot/store"
	bbolt "go.etcd.io/bbolt"
)

// reindexOperation keeps the operation indexes right when cur replaces old
// (nil when new): the idempotency key (which never changes once stored),
// the open operations and, once the operation is final, its end time.
func reindexOperation(tx *bbolt.Tx, old, cur *store.Operation) error {
	if old == nil && cur.Key != "" {
		if err := tx.Bucket(bucketOperationKey).Put([]byte(cur.Key), []byte(cur.ID)); err != nil {
			return err
		}
	}
	open := tx.Bucket(bucketOperationOpen)
	if !cur.State.Final() {
		return open.Put([]byte(cur.ID), nil)
	}
	if err := open.Delete([]byte(cur.ID)); err != nil {
		return err
	}
	if old != nil && old.State.Final() {
		return nil // indexed by end time when it became final
	}
	return tx.Bucket(bucketOperationEnd).Put(endKey(cur), nil)
}

// endKey is the key of op in the end time index: the time it ended (its
// last update for operations journaled before Ended existed), then its id.
func endKey(op *store.Operation) []byte {
	end := op.Ended
	if end.IsZero() {
		end = op.Updated
	}
	return append(timeKey(end), op.ID...)
}

// indexOperations fills the open and end time indexes from the journal,
// for a file written before they existed.
func indexOperations(tx *bbolt.Tx) error {
	ops, err := operations.list(tx, nil, nil)
	if err != nil {
		return err
	}
	for i := range ops {
		if err := reindexOperation(tx, nil, &ops[i]); err != nil {
			return err
		}
	}
	return nil
}

// ListEndedOperations returns the final operations that ended at or after
// since (by Ended, or their last update for operations journaled before
// Ended existed), ordered by Created, then ID. It reads the end time index
// from since on, not the whole journal.
func (db *DB) ListEndedOperations(ctx context.Context, since time.Time) ([]store.Operation, error) {
	var out []store.Operation
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketOperations)
		c := tx.Bucket(bucketOperationEnd).Cursor()
		for k, _ := c.Seek(timeKey(since)); k != nil; k, _ = c.Next() {
			op, err := operations.getIn(b, k[timeKeyLen:])
			if err != nil {
				return err
			}
			if op != nil && op.State.Final() {
				out = append(out, *op)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list ended operations: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
