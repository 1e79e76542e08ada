package bolt

import (
	"context"
	"errors"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

// batchDelay is how long a write waits for others to share its disk sync.
// A burst of commands then costs a few syncs instead of one each.
const batchDelay = 2 * time.Millisecond

// Accept journals a — the operation, the reserved instance and the audit
// line — atomically, and returns the operation with true. Concurrent
// Accepts are committed together (bbolt's Batch) so that they share one
// disk sync: this is the write on the path to acknowledging a chat
// command. When a.Op.Key was seen it returns the earlier operation and
// false, writing nothing.
func (db *DB) Accept(ctx context.Context, a store.Acceptance) (store.Operation, bool, error) {
	if a.Op.ID == "" {
		return store.Operation{}, false, errors.New("store: accept: operation id is required")
	}
	if err := ctx.Err(); err != nil {
		return store.Operation{}, false, err
	}
	var (
		seen     *store.Operation
		op       store.Operation
		reserved *store.Instance
	)
	err := db.bolt.Batch(func(tx *bbolt.Tx) error {
		// Batch may run fn more than once: start from the inputs each time.
		seen, op, reserved = nil, a.Op, nil
		var err error
		if seen, err = seenOperation(tx, op.Key); err != nil || seen != nil {
			return err
		}
		if old, err := operations.get(tx, []byte(op.ID)); err != nil {
			return err
		} else if old != nil {
			return store.ErrExists
		}
		now := db.now()
		if a.Reserve != nil {
			inst := *a.Reserve
			if inst.Created.IsZero() {
				inst.Created = now
			}
			if err := reserveInstance(tx, &inst, a.MaxLive); err != nil {
				return err
			}
			reserved = &inst
		}
		op.Created, op.Updated = now, now
		if err := operations.put(tx, nil, &op); err != nil {
			return err
		}
		if a.Audit != nil {
			ev := *a.Audit
			if ev.Time.IsZero() {
				ev.Time = now
			}
			return appendAudit(tx, &ev)
		}
		return nil
	})
	if err != nil {
		return store.Operation{}, false, fmt.Errorf("store: accept operation %q: %w", a.Op.ID, err)
	}
	if seen != nil {
		return *seen, false, nil
	}
	if reserved != nil {
		db.cache.putNew(asStored(reserved))
	}
	db.noteAccepted(ctx, &op)
	return op, true, nil
}

// seenOperation returns the operation journaled under key, if any.
func seenOperation(tx *bbolt.Tx, key string) (*store.Operation, error) {
	if key == "" {
		return nil, nil
	}
	id := tx.Bucket(bucketOperationKey).Get([]byte(key))
	if id == nil {
		return nil, nil
	}
	old, err := operations.get(tx, id)
	if err == nil && old == nil {
		err = fmt.Errorf("key %q names operation %q, which is missing", key, id)
	}
	return old, err
}

// reserveInstance writes inst if its name is free and its owner is under
// maxLive live instances.
func reserveInstance(tx *bbolt.Tx, inst *store.Instance, maxLive int) error {
	old, err := instances.get(tx, []byte(inst.Name))
	if err != nil {
		return err
	}
	if old != nil && old.Status.Live() {
		return fmt.Errorf("%w: instance %s, %s, owned by %s", store.ErrExists, inst.Name, old.Status, old.Owner)
	}
	if maxLive > 0 {
		n, err := liveOwned(tx, inst.Owner)
		if err != nil {
			return err
		}
		if n >= maxLive {
			return fmt.Errorf("%w: %s has %d live instances", store.ErrQuota, inst.Owner, n)
		}
	}
	return instances.put(tx, old, inst)
}

// liveOwned counts owner's live instances through the owner index, which a
// transaction sees with its own uncommitted writes.
func liveOwned(tx *bbolt.Tx, owner string) (int, error) {
	prefix := lp(nil, owner)
	b := tx.Bucket(bucketInstances)
	n := 0
	err := scan(tx.Bucket(bucketInstanceOwner), prefix, func(k, _ []byte) error {
		inst, err := instances.getIn(b, k[len(prefix):])
		if err == nil && inst != nil && inst.Status.Live() {
			n++
		}
		return err
	})
	return n, err
}
