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

var operations = &table[store.Operation]{
	kind:    "operation",
	bucket:  bucketOperations,
	key:     func(o *store.Operation) []byte { return []byte(o.ID) },
	reindex: reindexOperation,
	check: func(old, cur *store.Operation) error {
		if old.Key != cur.Key {
			return errors.New("the operation's idempotency key cannot change")
		}
		return nil
	},
}

// errSeen rolls back CreateOperation's transaction when the key is known.
var errSeen = errors.New("operation key seen")

// CreateOperation journals op, stamping Created and Updated with now, and
// returns it with true. When op.Key is set and an operation with that key
// exists, it returns that operation and false, and writes nothing: a
// request delivered twice is journaled once. op.ID is required and must be
// new, or the error wraps ErrExists.
func (db *DB) CreateOperation(ctx context.Context, op store.Operation) (store.Operation, bool, error) {
	if op.ID == "" {
		return store.Operation{}, false, errors.New("store: create operation: id is required")
	}
	var seen *store.Operation
	db.opWrite.Lock()
	defer db.opWrite.Unlock()
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		if op.Key != "" {
			if id := tx.Bucket(bucketOperationKey).Get([]byte(op.Key)); id != nil {
				old, err := operations.get(tx, id)
				if err == nil && old == nil {
					err = fmt.Errorf("key %q names operation %q, which is missing", op.Key, id)
				}
				if err != nil {
					return err
				}
				seen = old
				return errSeen
			}
		}
		old, err := operations.get(tx, []byte(op.ID))
		if err != nil {
			return err
		}
		if old != nil {
			return store.ErrExists
		}
		now := db.now()
		op.Created, op.Updated = now, now
		return operations.put(tx, nil, &op)
	})
	if errors.Is(err, errSeen) {
		return *seen, false, nil
	}
	if err != nil {
		return store.Operation{}, false, fmt.Errorf("store: create operation %q: %w", op.ID, err)
	}
	db.open.put(&op)
	return op, true, nil
}

// GetOperation returns the operation with id, or an error wrapping
// ErrNotFound.
func (db *DB) GetOperation(ctx context.Context, id string) (*store.Operation, error) {
	return operations.load(ctx, db, id)
}

// UpdateOperation applies fn to the operation with id and stores the
// result with Updated set to now, atomically. An error from fn leaves the
// operation as it was and is returned as it is. fn may change neither the
// ID nor the Key.
func (db *DB) UpdateOperation(ctx context.Context, id string, fn func(*store.Operation) error) (*store.Operation, error) {
	db.opWrite.Lock()
	defer db.opWrite.Unlock()
	op, err := operations.update(ctx, db, id, func(op *store.Operation) error {
		if err := fn(op); err != nil {
			return err
		}
		op.Updated = db.now()
		return nil
	})
	if err == nil {
		db.open.put(op)
	}
	return op, err
}

// ListOperations returns the journaled operations, only those not in a
// final state when unfinishedOnly is set, ordered by Created, then ID.
// The unfinished ones are answered from memory (see openCache), without
// reading the journal.
func (db *DB) ListOperations(ctx context.Context, unfinishedOnly bool) ([]store.Operation, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: list operations: %w", err)
	}
	if unfinishedOnly {
		return db.open.list(), nil
	}
	var out []store.Operation
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = operations.list(tx, nil, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list operations: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// FindOperationByKey returns the operation journaled with the idempotency
// key, through the key index, or an error wrapping store.ErrNotFound.
func (db *DB) FindOperationByKey(ctx context.Context, key string) (*store.Operation, error) {
	var op *store.Operation
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		op, err = seenOperation(tx, key)
		if err == nil && op == nil {
			err = store.ErrNotFound
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: find operation by key %q: %w", key, err)
	}
	return op, nil
}
