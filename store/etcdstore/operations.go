package etcdstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// indexOpenOperations fills the index of unfinished operations for data
// written before there was one, once: a marker records that it is
// complete. Replicas doing it at the same time write the same keys.
func (s *Store) indexOpenOperations(ctx context.Context) error {
	resp, err := s.get(ctx, s.keys.openIndexed(), etcdhttp.WithCountOnly())
	if err != nil || resp.Count > 0 {
		return err
	}
	open, err := operations.list(ctx, s, s.keys.dir("operations"), func(op *store.Operation) bool { return !op.State.Final() })
	if err != nil {
		return fmt.Errorf("index unfinished operations: %w", err)
	}
	for len(open) > 0 {
		n := min(len(open), maxReadOps)
		puts := make([]etcdhttp.Op, n)
		for i, op := range open[:n] {
			puts[i] = etcdhttp.OpPut(s.keys.openOp(op.ID), op.ID)
		}
		if _, err := s.client.Txn(ctx).Then(puts...).Commit(); err != nil {
			return fmt.Errorf("index unfinished operations: %w", err)
		}
		open = open[n:]
	}
	_, err = s.client.Put(ctx, s.keys.openIndexed(), "1")
	return err
}

var operations = &table[store.Operation]{
	kind: "operation",
	key:  func(l layout, o *store.Operation) string { return l.operation(o.ID) },
	index: func(l layout, old, cur *store.Operation) []etcdhttp.Op {
		// The unfinished operations are indexed, so that the replicas'
		// frequent look for work to resume reads those only.
		ops := []etcdhttp.Op{etcdhttp.OpPut(l.openOp(cur.ID), cur.ID)}
		if cur.State.Final() {
			ops[0] = etcdhttp.OpDelete(l.openOp(cur.ID))
		}
		if old == nil && cur.Key != "" { // the key never changes once stored
			ops = append(ops, etcdhttp.OpPut(l.opKey(cur.Key), cur.ID))
		}
		// Once final, it is indexed by the time it ended, for retention.
		if cur.State.Final() && (old == nil || !old.State.Final()) {
			ops = append(ops, etcdhttp.OpPut(l.ended(endTime(cur), cur.ID), cur.ID))
		}
		return ops
	},
	check: func(old, cur *store.Operation) error {
		if old.Key != cur.Key {
			return errors.New("the operation's idempotency key cannot change")
		}
		return nil
	},
}

// CreateOperation journals op, stamping Created and Updated with now, and
// returns it with true. When op.Key is set and an operation with that key
// exists, it returns that operation and false, and writes nothing: a
// request delivered twice, even to two replicas at once, is journaled
// once. op.ID is required and must be new, or the error wraps
// store.ErrExists.
func (s *Store) CreateOperation(ctx context.Context, op store.Operation) (store.Operation, bool, error) {
	if op.ID == "" {
		return store.Operation{}, false, errors.New("etcdstore: create operation: id is required")
	}
	seen, err := s.createOperation(ctx, &op)
	if err != nil {
		return store.Operation{}, false, fmt.Errorf("etcdstore: create operation %q: %w", op.ID, err)
	}
	if seen != nil {
		return *seen, false, nil
	}
	return op, true, nil
}

// createOperation writes op, stamped, if neither its key nor its id is
// taken, in one transaction. It returns the operation already holding the
// key, if one does.
func (s *Store) createOperation(ctx context.Context, op *store.Operation) (*store.Operation, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	idKey := s.keys.operation(op.ID)
	conds := []etcdhttp.Cmp{etcdhttp.Compare(etcdhttp.CreateRevision(idKey), "=", 0)}
	orElse := []etcdhttp.Op{etcdhttp.OpGet(idKey, etcdhttp.WithCountOnly())}
	if op.Key != "" {
		k := s.keys.opKey(op.Key)
		conds = append(conds, etcdhttp.Compare(etcdhttp.CreateRevision(k), "=", 0))
		orElse = append(orElse, etcdhttp.OpGet(k))
	}
	now := s.now()
	op.Created, op.Updated = now, now
	ops, err := operations.writes(s.keys, nil, op)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Txn(ctx).If(conds...).Then(ops...).Else(orElse...).Commit()
	if err != nil {
		return nil, err
	}
	if resp.Succeeded {
		return nil, nil
	}
	// The key wins over the id, so that a redelivery that reuses its id
	// is still answered with the operation.
	if op.Key != "" {
		if kvs := resp.Responses[1].GetResponseRange().Kvs; len(kvs) > 0 {
			id := string(kvs[0].Value)
			seen, err := operations.load(ctx, s, id, s.keys.operation(id))
			if err != nil {
				return nil, fmt.Errorf("key %q names operation %q: %w", op.Key, id, err)
			}
			return seen, nil
		}
	}
	return nil, store.ErrExists
}

// GetOperation returns the operation with id, or an error wrapping
// store.ErrNotFound.
func (s *Store) GetOperation(ctx context.Context, id string) (*store.Operation, error) {
	return operations.load(ctx, s, id, s.keys.operation(id))
}

// UpdateOperation applies fn to the operation with id and stores the
// result with Updated set to now, atomically. As with UpdateInstance, fn
// may run more than once. An error from fn leaves the operation as it was
// and is returned as it is. fn may change neither the ID nor the Key.
func (s *Store) UpdateOperation(ctx context.Context, id string, fn func(*store.Operation) error) (*store.Operation, error) {
	return operations.update(ctx, s, id, s.keys.operation(id), func(op *store.Operation) error {
		if err := fn(op); err != nil {
			return err
		}
		op.Updated = s.now()
		return nil
	})
}

// ListOperations returns the journaled operations, only those not in a
// final state when unfinishedOnly is set, ordered by Created, then ID.
// The unfinished ones are read through their index, without reading the
// whole journal.
func (s *Store) ListOperations(ctx context.Context, unfinishedOnly bool) ([]store.Operation, error) {
	keep := func(op *store.Operation) bool { return !unfinishedOnly || !op.State.Final() }
	var out []store.Operation
	var err error
	if unfinishedOnly {
		var kvs []*etcdhttp.KeyValue
		if kvs, err = s.indexed(ctx, s.keys.dir("operations_open"), s.keys.operation); err == nil {
			out, err = operations.decodeAll(kvs, keep)
		}
	} else {
		out, err = operations.list(ctx, s, s.keys.dir("operations"), keep)
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list operations: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
