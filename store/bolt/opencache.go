package bolt

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/spuffbot/spuffbot/store"
	bbolt "go.etcd.io/bbolt"
)

// openCache holds the unfinished operations in memory, so that the
// question every reaper, reconciler and resume pass asks ("what is not
// finished?") costs a copy of a few records rather than a read and a
// decoding of each. Like instanceCache it is sound because one DB is the
// only writer of its file, and it changes only after a write has
// committed, under DB.opWrite, so that it sees commits in file order.
type openCache struct {
	mu  sync.RWMutex
	ops map[string]*store.Operation
}

// loadOpenCache reads the operations the open index names.
func loadOpenCache(tx *bbolt.Tx) (*openCache, error) {
	c := &openCache{ops: make(map[string]*store.Operation)}
	b := tx.Bucket(bucketOperations)
	err := scan(tx.Bucket(bucketOperationOpen), nil, func(id, _ []byte) error {
		op, err := operations.getIn(b, id)
		if err == nil && op == nil {
			err = fmt.Errorf("open index names operation %q, which is missing", id)
		}
		if err == nil && !op.State.Final() {
			c.ops[op.ID] = op
		}
		return err
	})
	return c, err
}

// put records op as the file now holds it: kept while unfinished,
// dropped once final.
func (c *openCache) put(op *store.Operation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if op.State.Final() {
		delete(c.ops, op.ID)
		return
	}
	c.ops[op.ID] = storedOperation(op)
}

// list returns copies of the unfinished operations, ordered by Created,
// then ID.
func (c *openCache) list() []store.Operation {
	c.mu.RLock()
	out := make([]store.Operation, 0, len(c.ops))
	for _, op := range c.ops {
		out = append(out, cloneOperation(op))
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return out
}

// cloneOperation returns a copy of op that shares nothing with it.
func cloneOperation(op *store.Operation) store.Operation {
	c := *op
	c.Request = bytes.Clone(op.Request)
	return c
}

// storedOperation returns a copy of op as the file gives it back (see
// asStored).
func storedOperation(op *store.Operation) *store.Operation {
	v := new(store.Operation)
	data, err := json.Marshal(op)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		*v = cloneOperation(op) // unreachable: the same value was just stored
	}
	return v
}

// noteAccepted gives the open cache the operation Accept committed, as the
// file holds it now: Accept commits in a batch, outside DB.opWrite, so a
// write made right after its commit may have reached the cache first.
func (db *DB) noteAccepted(ctx context.Context, accepted *store.Operation) {
	db.opWrite.Lock()
	defer db.opWrite.Unlock()
	op, err := operations.load(context.WithoutCancel(ctx), db, accepted.ID)
	if err != nil {
		// Unreachable while the file is open: the operation was just
		// committed, and pruning removes only final ones.
		op = accepted
	}
	db.open.put(op)
}
