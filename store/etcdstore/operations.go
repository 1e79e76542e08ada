package etcdstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/store"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var operations = &table[store.Operation]{
	kind: "operation",
	key:  func(l layout, o *store.Operation) string { return l.operation(o.ID) },
	index: func(l layout, old, cur *store.Operation) []clientv3.Op {
		if old != nil || cur.Key == "" {
			return nil // the key never changes once stored
		}
		return []clientv3.Op{clientv3.OpPut(l.opKey(cur.Key), cur.ID)}
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	idKey := s.keys.operation(op.ID)
	conds := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision(idKey), "=", 0)}
	orElse := []clientv3.Op{clientv3.OpGet(idKey, clientv3.WithCountOnly())}
	if op.Key != "" {
		k := s.keys.opKey(op.Key)
		conds = append(conds, clientv3.Compare(clientv3.CreateRevision(k), "=", 0))
		orElse = append(orElse, clientv3.OpGet(k))
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
func (s *Store) ListOperations(ctx context.Context, unfinishedOnly bool) ([]store.Operation, error) {
	out, err := operations.list(ctx, s, s.keys.dir("operations"), func(op *store.Operation) bool {
		return !unfinishedOnly || !op.State.Final()
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list operations: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
