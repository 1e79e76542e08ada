package etcdstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// endTime is when op ended, for the index by end time: its last update
// for operations journaled before Ended existed.
func endTime(op *store.Operation) time.Time {
	if op.Ended.IsZero() {
		return op.Updated
	}
	return op.Ended
}

// indexEndedOperations fills the index of final operations by end time
// for data written before there was one, once: a marker records that it
// is complete. Replicas doing it at the same time write the same keys.
func (s *Store) indexEndedOperations(ctx context.Context) error {
	resp, err := s.get(ctx, s.keys.endIndexed(), etcdhttp.WithCountOnly())
	if err != nil || resp.Count > 0 {
		return err
	}
	ended, err := operations.list(ctx, s, s.keys.dir("operations"), func(op *store.Operation) bool { return op.State.Final() })
	if err != nil {
		return fmt.Errorf("index final operations: %w", err)
	}
	for len(ended) > 0 {
		n := min(len(ended), maxReadOps)
		puts := make([]etcdhttp.Op, n)
		for i, op := range ended[:n] {
			puts[i] = etcdhttp.OpPut(s.keys.ended(endTime(&op), op.ID), op.ID)
		}
		if _, err := s.client.Txn(ctx).Then(puts...).Commit(); err != nil {
			return fmt.Errorf("index final operations: %w", err)
		}
		ended = ended[n:]
	}
	_, err = s.client.Put(ctx, s.keys.endIndexed(), "1")
	return err
}

// FindOperationByKey returns the operation journaled with the idempotency
// key, through the key index, or an error wrapping store.ErrNotFound.
func (s *Store) FindOperationByKey(ctx context.Context, key string) (*store.Operation, error) {
	op, err := func() (*store.Operation, error) {
		if key == "" {
			return nil, store.ErrNotFound
		}
		resp, err := s.get(ctx, s.keys.opKey(key))
		if err != nil {
			return nil, err
		}
		if len(resp.Kvs) == 0 {
			return nil, store.ErrNotFound
		}
		id := string(resp.Kvs[0].Value)
		return operations.load(ctx, s, id, s.keys.operation(id))
	}()
	if err != nil {
		return nil, fmt.Errorf("etcdstore: find operation by key %q: %w", key, err)
	}
	return op, nil
}

// pruneOps is how many operations one pruning transaction removes: each
// takes up to three deletes, below etcd's 128 operations a transaction.
const pruneOps = 32

// PruneOperations removes final operations that ended before before,
// oldest first, with their index entries; it looks at no more than limit
// of them, in transactions of a few dozen. keep, when set, spares an
// operation (it is looked at once, and kept for good). It returns how many
// it removed and whether more may be due: call it again until more is
// false.
func (s *Store) PruneOperations(ctx context.Context, before time.Time, limit int, keep func(*store.Operation) bool) (removed int, more bool, err error) {
	removed, more, err = s.pruneOperations(ctx, before, limit, keep)
	if err != nil {
		return removed, false, fmt.Errorf("etcdstore: prune operations: %w", err)
	}
	return removed, more, nil
}

func (s *Store) pruneOperations(ctx context.Context, before time.Time, limit int, keep func(*store.Operation) bool) (int, bool, error) {
	if limit <= 0 {
		return 0, false, nil
	}
	dir := s.keys.dir("operations_ended")
	resp, err := s.get(ctx, dir, etcdhttp.WithRange(dir+timeKey(before)), etcdhttp.WithLimit(int64(limit)))
	if err != nil {
		return 0, false, err
	}
	removed := 0
	for kvs := resp.Kvs; len(kvs) > 0; {
		n := min(len(kvs), pruneOps)
		keys := make([]string, n)
		for i, kv := range kvs[:n] {
			keys[i] = s.keys.operation(string(kv.Value))
		}
		found, err := s.getAt(ctx, keys, 0)
		if err != nil {
			return removed, false, err
		}
		var dels []etcdhttp.Op
		for _, kv := range kvs[:n] {
			dels = append(dels, etcdhttp.OpDelete(string(kv.Key)))
		}
		for _, kv := range found {
			op, err := operations.decode(kv)
			if err != nil {
				return removed, false, err
			}
			if !op.State.Final() || (keep != nil && keep(op)) {
				continue
			}
			dels = append(dels, etcdhttp.OpDelete(string(kv.Key)))
			if op.Key != "" {
				dels = append(dels, etcdhttp.OpDelete(s.keys.opKey(op.Key)))
			}
			removed++
		}
		if _, err := s.client.Txn(ctx).Then(dels...).Commit(); err != nil {
			return removed, false, err
		}
		kvs = kvs[n:]
	}
	return removed, resp.More, nil
}

// PruneAudit removes audit events whose Time is before before, oldest
// first, at most limit of them, in one range delete. It returns how many
// it removed and whether more may be due.
func (s *Store) PruneAudit(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error) {
	if limit <= 0 {
		return 0, false, nil
	}
	dir := s.keys.dir("audit")
	resp, err := s.get(ctx, dir, etcdhttp.WithRange(dir+timeKey(before)),
		etcdhttp.WithLimit(int64(limit)), etcdhttp.WithKeysOnly())
	if err == nil && len(resp.Kvs) > 0 {
		// Up to the last key read, which no event written later can
		// precede: they are keyed by a later time.
		last := string(resp.Kvs[len(resp.Kvs)-1].Key)
		_, err = s.client.Delete(ctx, dir, etcdhttp.WithRange(last+"\x00"))
	}
	if err != nil {
		return 0, false, fmt.Errorf("etcdstore: prune audit: %w", err)
	}
	return len(resp.Kvs), resp.More, nil
}

// ListEndedOperations returns the final operations that ended at or after
// since (by Ended, or their last update for operations journaled before
// Ended existed), ordered by Created, then ID. It reads the index by end
// time from since on, not the whole journal.
func (s *Store) ListEndedOperations(ctx context.Context, since time.Time) ([]store.Operation, error) {
	out, err := func() ([]store.Operation, error) {
		dir := s.keys.dir("operations_ended")
		resp, err := s.get(ctx, dir+timeKey(since), etcdhttp.WithRange(etcdhttp.GetPrefixRangeEnd(dir)))
		if err != nil || len(resp.Kvs) == 0 {
			return nil, err
		}
		keys := make([]string, len(resp.Kvs))
		for i, kv := range resp.Kvs {
			keys[i] = s.keys.operation(string(kv.Value))
		}
		// A pruned operation may have left its index key a moment ago:
		// getAt skips what is missing.
		kvs, err := s.getAt(ctx, keys, resp.Header.Revision)
		if err != nil {
			return nil, err
		}
		return operations.decodeAll(kvs, func(op *store.Operation) bool { return op.State.Final() })
	}()
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list ended operations: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}
