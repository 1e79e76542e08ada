package bolt

import (
	"context"
	"encoding/json"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

var instances = &table[store.Instance]{
	kind:    "instance",
	bucket:  bucketInstances,
	key:     func(i *store.Instance) []byte { return []byte(i.Name) },
	reindex: reindexInstance,
}

func ownerIndexKey(i *store.Instance) []byte { return append(lp(nil, i.Owner), i.Name...) }

func cloudIndexPrefix(provider, cloudID string) []byte {
	return lp(lp(nil, provider), cloudID)
}

func cloudIndexKey(i *store.Instance) []byte {
	return append(cloudIndexPrefix(i.Provider, i.CloudID), i.Name...)
}

// reindexInstance keeps the owner and cloud id index buckets right when an
// instance is written. The DB answers from its in-memory copy, but the file
// keeps the indexes so that its layout stays schema version 1.
func reindexInstance(tx *bbolt.Tx, old, cur *store.Instance) error {
	owners, clouds := tx.Bucket(bucketInstanceOwner), tx.Bucket(bucketInstanceCloud)
	if old != nil {
		if err := owners.Delete(ownerIndexKey(old)); err != nil {
			return err
		}
		if old.CloudID != "" {
			if err := clouds.Delete(cloudIndexKey(old)); err != nil {
				return err
			}
		}
	}
	if err := owners.Put(ownerIndexKey(cur), nil); err != nil {
		return err
	}
	if cur.CloudID != "" {
		return clouds.Put(cloudIndexKey(cur), nil)
	}
	return nil
}

// commitInstance runs write, which commits one instance to the file and
// returns it, and then gives the cache that instance as the file holds it.
// A write that fails, fn's error included, changes neither; its error is
// returned as it is.
func (db *DB) commitInstance(write func() (*store.Instance, error)) (*store.Instance, error) {
	db.instWrite.Lock()
	defer db.instWrite.Unlock()
	cur, err := write()
	if err != nil {
		return nil, err
	}
	db.cache.put(asStored(cur))
	return cur, nil
}

// asStored returns a copy of inst as the file gives it back, so that the
// cache answers as a reopened file would: JSON drops a time's monotonic
// reading and may change its location.
func asStored(inst *store.Instance) *store.Instance {
	v := new(store.Instance)
	data, err := json.Marshal(inst)
	if err == nil {
		err = json.Unmarshal(data, v)
	}
	if err != nil {
		// Unreachable: the same value was just encoded into the file.
		*v = cloneInstance(inst)
	}
	return v
}

// CreateInstance stores a new instance. It fails with ErrExists while a
// live instance has the same name; a destroyed or failed one is replaced.
// A zero Created is set to now.
func (db *DB) CreateInstance(ctx context.Context, inst store.Instance) error {
	return db.storeInstance(ctx, "create", inst, func(old *store.Instance) error {
		if old.Status.Live() {
			return fmt.Errorf("%w: %s, owned by %s", store.ErrExists, old.Status, old.Owner)
		}
		return nil
	})
}

// PutInstance inserts or replaces an instance. It refuses with ErrExists
// to replace a live instance that another operation (a different OpID)
// created. A zero Created is set to now.
func (db *DB) PutInstance(ctx context.Context, inst store.Instance) error {
	return db.storeInstance(ctx, "put", inst, func(old *store.Instance) error {
		if old.Status.Live() && old.OpID != inst.OpID {
			return fmt.Errorf("%w: %s, created by operation %q", store.ErrExists, old.Status, old.OpID)
		}
		return nil
	})
}

// storeInstance writes inst unless refuse, given the instance stored
// under its name, says no; verb names the call in errors.
func (db *DB) storeInstance(ctx context.Context, verb string, inst store.Instance, refuse func(old *store.Instance) error) error {
	if inst.Name == "" {
		return fmt.Errorf("store: %s instance: name is required", verb)
	}
	if inst.Created.IsZero() {
		inst.Created = db.now()
	}
	_, err := db.commitInstance(func() (*store.Instance, error) {
		err := db.update(ctx, func(tx *bbolt.Tx) error {
			old, err := instances.get(tx, []byte(inst.Name))
			if err != nil {
				return err
			}
			if old != nil {
				if err := refuse(old); err != nil {
					return err
				}
			}
			return instances.put(tx, old, &inst)
		})
		return &inst, err
	})
	if err != nil {
		return fmt.Errorf("store: %s instance %q: %w", verb, inst.Name, err)
	}
	return nil
}

// GetInstance returns the instance called name, or an error wrapping
// ErrNotFound.
func (db *DB) GetInstance(ctx context.Context, name string) (*store.Instance, error) {
	inst, err := cached(ctx, func() (*store.Instance, error) { return db.cache.get(name) })
	if err != nil {
		return nil, fmt.Errorf("store: get instance %q: %w", name, err)
	}
	return inst, nil
}

// UpdateInstance applies fn to the instance called name and stores the
// result, atomically; concurrent updates of one instance never lose a
// change. An error from fn leaves the instance as it was and is returned
// as it is. fn may change the owner but not the name.
func (db *DB) UpdateInstance(ctx context.Context, name string, fn func(*store.Instance) error) (*store.Instance, error) {
	return db.commitInstance(func() (*store.Instance, error) {
		return instances.update(ctx, db, name, fn)
	})
}

// ListInstances returns the instances f selects, ordered by Created, then
// Name. It answers from memory, where the instances are kept in that
// order, everyone's and each owner's: listing one owner's looks at only
// that owner's instances.
func (db *DB) ListInstances(ctx context.Context, f store.InstanceFilter) ([]store.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: list instances: %w", err)
	}
	out, err := db.cache.list(f)
	if err != nil {
		return nil, fmt.Errorf("store: list instances: %w", err)
	}
	return out, nil
}

// FindInstanceByCloudID returns the instance with the provider's cloud id,
// or an error wrapping ErrNotFound. Should several records carry the id, a
// live one wins over the others, then the newest.
func (db *DB) FindInstanceByCloudID(ctx context.Context, provider, cloudID string) (*store.Instance, error) {
	inst, err := cached(ctx, func() (*store.Instance, error) { return db.cache.findByCloudID(provider, cloudID) })
	if err != nil {
		return nil, fmt.Errorf("store: find %s instance %q: %w", provider, cloudID, err)
	}
	return inst, nil
}

// cached returns what read finds in the cache, with none found as
// ErrNotFound, unless ctx is done.
func cached(ctx context.Context, read func() (*store.Instance, error)) (*store.Instance, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	inst, err := read()
	if err == nil && inst == nil {
		err = store.ErrNotFound
	}
	return inst, err
}

// better reports whether a is a better answer than b to "which instance
// has this cloud id".
func better(a, b *store.Instance) bool {
	if a.Status.Live() != b.Status.Live() {
		return a.Status.Live()
	}
	return a.Created.After(b.Created)
}
