package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

var clicks = &table[store.Click]{
	kind: "click",
	key:  func(l layout, c *store.Click) string { return l.click(c.Key) },
	index: func(l layout, _, cur *store.Click) []etcdhttp.Op {
		return []etcdhttp.Op{etcdhttp.OpPut(l.clickAt(cur.At, cur.Key), cur.Key)}
	},
}

// RecordClick writes c, stamping At with now when it is zero, and returns
// it with true. When a click with c.Key exists, it returns that click and
// false and writes nothing: the first click with a key wins, even when
// two replicas record it at once. c.Key is required.
func (s *Store) RecordClick(ctx context.Context, c store.Click) (store.Click, bool, error) {
	seen, err := s.recordClick(ctx, &c)
	if err != nil {
		return store.Click{}, false, fmt.Errorf("etcdstore: record click %q: %w", c.Key, err)
	}
	if seen != nil {
		return *seen, false, nil
	}
	return c, true, nil
}

// recordClick writes c, stamped, if its key is free, in one transaction.
// It returns the click already holding the key, if one does.
func (s *Store) recordClick(ctx context.Context, c *store.Click) (*store.Click, error) {
	if c.Key == "" {
		return nil, errors.New("key is required")
	}
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	if c.At.IsZero() {
		c.At = s.now()
	}
	k := s.keys.click(c.Key)
	ops, err := clicks.writes(s.keys, nil, c)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Txn(ctx).If(etcdhttp.Compare(etcdhttp.CreateRevision(k), "=", 0)).
		Then(ops...).Else(etcdhttp.OpGet(k)).Commit()
	if err != nil || resp.Succeeded {
		return nil, err
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return nil, fmt.Errorf("click %q vanished", c.Key) // pruned at that very moment
	}
	return clicks.decode(kvs[0])
}

// GetClick returns the click recorded with the idempotency key, or an
// error wrapping store.ErrNotFound.
func (s *Store) GetClick(ctx context.Context, key string) (*store.Click, error) {
	if key == "" {
		return nil, fmt.Errorf("etcdstore: get click %q: %w", key, store.ErrNotFound)
	}
	return clicks.load(ctx, s, key, s.keys.click(key))
}

// pruneClicks is how many clicks one pruning transaction removes: each
// takes two deletes, below etcd's 128 operations a transaction.
const pruneClicks = 48

// PruneClicks removes the clicks pressed before before, oldest first; it
// looks at no more than limit of them, in transactions of a few dozen. It
// returns how many it removed and whether more may be due.
func (s *Store) PruneClicks(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error) {
	if limit <= 0 {
		return 0, false, nil
	}
	dir := s.keys.dir("clicks_by_time")
	resp, err := s.get(ctx, dir, etcdhttp.WithRange(dir+timeKey(before)), etcdhttp.WithLimit(int64(limit)))
	if err != nil {
		return 0, false, fmt.Errorf("etcdstore: prune clicks: %w", err)
	}
	for kvs := resp.Kvs; len(kvs) > 0; {
		n := min(len(kvs), pruneClicks)
		dels := make([]etcdhttp.Op, 0, 2*n)
		for _, kv := range kvs[:n] {
			dels = append(dels, etcdhttp.OpDelete(string(kv.Key)), etcdhttp.OpDelete(s.keys.click(string(kv.Value))))
		}
		if _, err := s.client.Txn(ctx).Then(dels...).Commit(); err != nil {
			return removed, false, fmt.Errorf("etcdstore: prune clicks: %w", err)
		}
		removed += n
		kvs = kvs[n:]
	}
	return removed, resp.More, nil
}
