package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// table is one record kind, stored as JSON under the key its key function
// gives.
type table[T any] struct {
	kind string // names the kind in errors, e.g. "instance"
	key  func(l layout, v *T) string
	// index, when set, returns the operations that bring the kind's index
	// keys in line when cur replaces old (nil when cur is new). They go in
	// the transaction that writes the record and must not touch its key.
	index func(l layout, old, cur *T) []etcdhttp.Op
	// check, when set, refuses an update that changes more than the record
	// may change; the key never may.
	check func(old, cur *T) error
}

// decode decodes the record in kv.
func (t *table[T]) decode(kv *etcdhttp.KeyValue) (*T, error) {
	v := new(T)
	if err := json.Unmarshal(kv.Value, v); err != nil {
		return nil, fmt.Errorf("decode %s %q: %w", t.kind, kv.Key, err)
	}
	return v, nil
}

// decodeAll decodes the records in kvs, keeping those keep accepts (all
// when keep is nil).
func (t *table[T]) decodeAll(kvs []*etcdhttp.KeyValue, keep func(*T) bool) ([]T, error) {
	var out []T
	for _, kv := range kvs {
		v, err := t.decode(kv)
		if err != nil {
			return nil, err
		}
		if keep == nil || keep(v) {
			out = append(out, *v)
		}
	}
	return out, nil
}

// writes returns the operations that store cur in place of old (nil when
// cur is new): the record and its index keys.
func (t *table[T]) writes(l layout, old, cur *T) ([]etcdhttp.Op, error) {
	data, err := json.Marshal(cur)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", t.kind, err)
	}
	ops := []etcdhttp.Op{etcdhttp.OpPut(t.key(l, cur), string(data))}
	if t.index != nil {
		ops = append(ops, t.index(l, old, cur)...)
	}
	return ops, nil
}

// usable returns why a request must not be sent: ctx is done, or the
// store is closed (its client would only fail, after retrying).
func (s *Store) usable(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.client.Ctx().Err() != nil {
		return errClosed
	}
	return nil
}

// get reads the key, unless ctx is done already or the store is closed.
func (s *Store) get(ctx context.Context, key string, opts ...etcdhttp.OpOption) (*etcdhttp.RangeResponse, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	return s.client.Get(ctx, key, opts...)
}

// load reads the record under key, with a missing one as an error
// wrapping store.ErrNotFound.
func (t *table[T]) load(ctx context.Context, s *Store, id, key string) (*T, error) {
	resp, err := s.get(ctx, key)
	if err == nil && len(resp.Kvs) == 0 {
		err = store.ErrNotFound
	}
	var v *T
	if err == nil {
		v, err = t.decode(resp.Kvs[0])
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: get %s %q: %w", t.kind, id, err)
	}
	return v, nil
}

// list reads every record under dir that keep accepts (all when keep is
// nil), in key order.
func (t *table[T]) list(ctx context.Context, s *Store, dir string, keep func(*T) bool) ([]T, error) {
	resp, err := s.get(ctx, dir, etcdhttp.WithPrefix())
	if err != nil {
		return nil, err
	}
	return t.decodeAll(resp.Kvs, keep)
}

// update reads the record under key, lets fn change a copy and writes it
// back if the record has not changed meanwhile; if it has, it starts again
// from the record as it is now. An error from fn ends the update, nothing
// written, and is returned as it is.
func (t *table[T]) update(ctx context.Context, s *Store, id, key string, fn func(*T) error) (*T, error) {
	var fnErr error
	var cur *T
	err := func() error {
		resp, err := s.get(ctx, key)
		if err != nil {
			return err
		}
		kvs := resp.Kvs
		return s.cas(ctx, func(ctx context.Context) (bool, error) {
			if len(kvs) == 0 {
				return false, store.ErrNotFound
			}
			// Two decodes, so that fn shares no slice with old.
			old, err := t.decode(kvs[0])
			if err != nil {
				return false, err
			}
			cur, _ = t.decode(kvs[0])
			if fnErr = fn(cur); fnErr != nil {
				return false, fnErr
			}
			if t.key(s.keys, cur) != key {
				return false, fmt.Errorf("the %s's key cannot change", t.kind)
			}
			if t.check != nil {
				if err := t.check(old, cur); err != nil {
					return false, err
				}
			}
			ops, err := t.writes(s.keys, old, cur)
			if err != nil {
				return false, err
			}
			resp, err := s.client.Txn(ctx).
				If(etcdhttp.Compare(etcdhttp.ModRevision(key), "=", kvs[0].ModRevision)).
				Then(ops...).
				Else(etcdhttp.OpGet(key)).
				Commit()
			if err != nil || resp.Succeeded {
				return err == nil, err
			}
			kvs = resp.Responses[0].GetResponseRange().Kvs
			return false, nil
		})
	}()
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: update %s %q: %w", t.kind, id, err)
	}
	return cur, nil
}

// put writes v unless check, given the record now stored under v's key
// (nil if none), refuses; a record changed between the read and the write
// is read again and checked again.
func (t *table[T]) put(ctx context.Context, s *Store, v *T, check func(old *T) error) error {
	key := t.key(s.keys, v)
	resp, err := s.get(ctx, key)
	if err != nil {
		return err
	}
	kvs := resp.Kvs
	return s.cas(ctx, func(ctx context.Context) (bool, error) {
		var old *T
		var rev int64
		if len(kvs) > 0 {
			var err error
			if old, err = t.decode(kvs[0]); err != nil {
				return false, err
			}
			rev = kvs[0].ModRevision
		}
		if check != nil {
			if err := check(old); err != nil {
				return false, err
			}
		}
		ops, err := t.writes(s.keys, old, v)
		if err != nil {
			return false, err
		}
		// A missing key has ModRevision 0, so this also catches a record
		// created meanwhile.
		resp, err := s.client.Txn(ctx).
			If(etcdhttp.Compare(etcdhttp.ModRevision(key), "=", rev)).
			Then(ops...).
			Else(etcdhttp.OpGet(key)).
			Commit()
		if err != nil || resp.Succeeded {
			return err == nil, err
		}
		kvs = resp.Responses[0].GetResponseRange().Kvs
		return false, nil
	})
}

// maxReadOps is how many reads getAt puts in one transaction, well below
// etcd's default limit of 128 operations.
const maxReadOps = 64

// getAt reads keys as they were at revision rev, skipping missing ones.
func (s *Store) getAt(ctx context.Context, keys []string, rev int64) ([]*etcdhttp.KeyValue, error) {
	var out []*etcdhttp.KeyValue
	for len(keys) > 0 {
		n := min(len(keys), maxReadOps)
		ops := make([]etcdhttp.Op, n)
		for i, k := range keys[:n] {
			ops[i] = etcdhttp.OpGet(k, etcdhttp.WithRev(rev))
		}
		resp, err := s.client.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return nil, err
		}
		for _, r := range resp.Responses {
			out = append(out, r.GetResponseRange().Kvs...)
		}
		keys = keys[n:]
	}
	return out, nil
}

// indexed reads the index keys under dir, whose values name records, and
// the records they name (the keys target gives), all at one revision.
func (s *Store) indexed(ctx context.Context, dir string, target func(string) string) ([]*etcdhttp.KeyValue, error) {
	for attempt := 0; ; attempt++ {
		resp, err := s.get(ctx, dir, etcdhttp.WithPrefix())
		if err != nil {
			return nil, err
		}
		if len(resp.Kvs) == 0 {
			return nil, nil
		}
		keys := make([]string, len(resp.Kvs))
		for i, kv := range resp.Kvs {
			keys[i] = target(string(kv.Value))
		}
		kvs, err := s.getAt(ctx, keys, resp.Header.Revision)
		// Compaction may have passed the index's revision just now; read
		// both again.
		if errors.Is(err, etcdhttp.ErrCompacted) && attempt < 3 {
			continue
		}
		if err == nil && len(kvs) != len(keys) {
			err = fmt.Errorf("index %s names %d records, %d of them missing", dir, len(keys), len(keys)-len(kvs))
		}
		return kvs, err
	}
}
