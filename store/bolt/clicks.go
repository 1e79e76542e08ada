package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

var clicks = &table[store.Click]{
	kind:   "click",
	bucket: bucketClicks,
	key:    func(c *store.Click) []byte { return []byte(c.Key) },
	reindex: func(tx *bbolt.Tx, old, cur *store.Click) error {
		if old != nil {
			return errors.New("a click never changes")
		}
		return tx.Bucket(bucketClickTime).Put(clickTimeKey(cur), nil)
	},
}

// clickTimeKey is the key of c in the index by time: when it was pressed,
// then its idempotency key.
func clickTimeKey(c *store.Click) []byte { return append(timeKey(c.At), c.Key...) }

// RecordClick writes c, stamping At with now when it is zero, and returns
// it with true. When a click with c.Key exists, it returns that click and
// false and writes nothing: the first click with a key wins. c.Key is
// required.
func (db *DB) RecordClick(ctx context.Context, c store.Click) (store.Click, bool, error) {
	if c.Key == "" {
		return store.Click{}, false, errors.New("store: record click: key is required")
	}
	var seen *store.Click
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		var err error
		if seen, err = clicks.get(tx, []byte(c.Key)); err != nil || seen != nil {
			return err
		}
		if c.At.IsZero() {
			c.At = db.now()
		}
		return clicks.put(tx, nil, &c)
	})
	if err != nil {
		return store.Click{}, false, fmt.Errorf("store: record click %q: %w", c.Key, err)
	}
	if seen != nil {
		return *seen, false, nil
	}
	return c, true, nil
}

// GetClick returns the click recorded with the idempotency key, or an
// error wrapping store.ErrNotFound.
func (db *DB) GetClick(ctx context.Context, key string) (*store.Click, error) {
	return clicks.load(ctx, db, key)
}

// PruneClicks removes the clicks pressed before before, oldest first, at
// most limit of them in one short transaction. It returns how many it
// removed and whether more may be due.
func (db *DB) PruneClicks(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error) {
	return db.pruneByTime(ctx, "clicks", bucketClickTime, before, limit, func(tx *bbolt.Tx, key []byte) (bool, error) {
		return true, tx.Bucket(bucketClicks).Delete(key)
	})
}

// legacyClicks are the kinds of the operations that files before schema
// version 3 journaled, done, only to remember a click: a lease warning's
// Extend ("extend") and an idle warning's Keep ("idle-keep", the button
// in Step).
var legacyClicks = map[store.OpKind]bool{"extend": true, "idle-keep": true}

// migrateClicks turns the operations journaled only to remember a click
// into clicks, with their key, actor and time, and removes them and their
// index entries from the journal.
func migrateClicks(tx *bbolt.Tx) error {
	ops, err := operations.list(tx, nil, func(op *store.Operation) bool { return legacyClicks[op.Kind] })
	if err != nil {
		return err
	}
	keys, ends, open := tx.Bucket(bucketOperationKey), tx.Bucket(bucketOperationEnd), tx.Bucket(bucketOperationOpen)
	for i := range ops {
		op := &ops[i]
		if op.Key != "" {
			c := store.Click{Key: op.Key, Action: "extend", Instance: op.Instance, Actor: op.Owner, At: op.Created}
			if op.Kind == "idle-keep" {
				c.Action = op.Step
			}
			if old, err := clicks.get(tx, []byte(c.Key)); err != nil {
				return err
			} else if old == nil {
				if err := clicks.put(tx, nil, &c); err != nil {
					return err
				}
			}
			if bytes.Equal(keys.Get([]byte(op.Key)), []byte(op.ID)) {
				if err := keys.Delete([]byte(op.Key)); err != nil {
					return err
				}
			}
		}
		for _, del := range []struct {
			b *bbolt.Bucket
			k []byte
		}{{ends, endKey(op)}, {open, []byte(op.ID)}, {tx.Bucket(bucketOperations), []byte(op.ID)}} {
			if err := del.b.Delete(del.k); err != nil {
				return err
			}
		}
	}
	return nil
}
