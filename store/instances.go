package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	bolt "go.etcd.io/bbolt"
)

var instances = &table[Instance]{
	kind:    "instance",
	bucket:  bucketInstances,
	key:     func(i *Instance) []byte { return []byte(i.Name) },
	reindex: reindexInstance,
}

func ownerIndexKey(i *Instance) []byte { return append(lp(nil, i.Owner), i.Name...) }

func cloudIndexPrefix(provider, cloudID string) []byte {
	return lp(lp(nil, provider), cloudID)
}

func cloudIndexKey(i *Instance) []byte {
	return append(cloudIndexPrefix(i.Provider, i.CloudID), i.Name...)
}

// reindexInstance keeps the owner and cloud id indexes right when an
// instance is written.
func reindexInstance(tx *bolt.Tx, old, cur *Instance) error {
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

// CreateInstance stores a new instance. It fails with ErrExists while a
// live instance has the same name; a destroyed or failed one is replaced.
// A zero Created is set to now.
func (db *DB) CreateInstance(ctx context.Context, inst Instance) error {
	if inst.Name == "" {
		return errors.New("store: create instance: name is required")
	}
	if inst.Created.IsZero() {
		inst.Created = db.now()
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, err := instances.get(tx, []byte(inst.Name))
		if err != nil {
			return err
		}
		if old != nil && old.Status.Live() {
			return fmt.Errorf("%w: %s, owned by %s", ErrExists, old.Status, old.Owner)
		}
		return instances.put(tx, old, &inst)
	})
	if err != nil {
		return fmt.Errorf("store: create instance %q: %w", inst.Name, err)
	}
	return nil
}

// PutInstance inserts or replaces an instance. It refuses with ErrExists
// to replace a live instance that another operation (a different OpID)
// created. A zero Created is set to now.
func (db *DB) PutInstance(ctx context.Context, inst Instance) error {
	if inst.Name == "" {
		return errors.New("store: put instance: name is required")
	}
	if inst.Created.IsZero() {
		inst.Created = db.now()
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, err := instances.get(tx, []byte(inst.Name))
		if err != nil {
			return err
		}
		if old != nil && old.Status.Live() && old.OpID != inst.OpID {
			return fmt.Errorf("%w: %s, created by operation %q", ErrExists, old.Status, old.OpID)
		}
		return instances.put(tx, old, &inst)
	})
	if err != nil {
		return fmt.Errorf("store: put instance %q: %w", inst.Name, err)
	}
	return nil
}

// GetInstance returns the instance called name, or an error wrapping
// ErrNotFound.
func (db *DB) GetInstance(ctx context.Context, name string) (*Instance, error) {
	return instances.load(ctx, db, name)
}

// UpdateInstance applies fn to the instance called name and stores the
// result, atomically; concurrent updates of one instance never lose a
// change. An error from fn leaves the instance as it was and is returned
// as it is. fn may change the owner but not the name.
func (db *DB) UpdateInstance(ctx context.Context, name string, fn func(*Instance) error) (*Instance, error) {
	return instances.update(ctx, db, name, fn)
}

// InstanceFilter selects instances for ListInstances. Its zero value
// selects every instance.
type InstanceFilter struct {
	Owner    string // only this owner's; empty means everyone's
	LiveOnly bool   // only those whose Status is Live
	Provider string // only this provider's; empty means every provider
}

// ListInstances returns the instances f selects, ordered by Created, then
// Name. Listing one owner's reads only that owner's instances.
func (db *DB) ListInstances(ctx context.Context, f InstanceFilter) ([]Instance, error) {
	keep := func(i *Instance) bool {
		return (!f.LiveOnly || i.Status.Live()) && (f.Provider == "" || i.Provider == f.Provider)
	}
	var out []Instance
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if f.Owner == "" {
			var err error
			out, err = instances.list(tx, nil, keep)
			return err
		}
		prefix, b := lp(nil, f.Owner), tx.Bucket(bucketInstances)
		return scan(tx.Bucket(bucketInstanceOwner), prefix, func(k, _ []byte) error {
			inst, err := indexed(b, k[len(prefix):])
			if err != nil {
				return err
			}
			if keep(inst) {
				out = append(out, *inst)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: list instances: %w", err)
	}
	slices.SortFunc(out, func(a, b Instance) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// FindInstanceByCloudID returns the instance with the provider's cloud id,
// or an error wrapping ErrNotFound. Should several records carry the id, a
// live one wins over the others, then the newest.
func (db *DB) FindInstanceByCloudID(ctx context.Context, provider, cloudID string) (*Instance, error) {
	var best *Instance
	err := db.view(ctx, func(tx *bolt.Tx) error {
		prefix, b := cloudIndexPrefix(provider, cloudID), tx.Bucket(bucketInstances)
		return scan(tx.Bucket(bucketInstanceCloud), prefix, func(k, _ []byte) error {
			inst, err := indexed(b, k[len(prefix):])
			if err != nil {
				return err
			}
			if best == nil || better(inst, best) {
				best = inst
			}
			return nil
		})
	})
	if err == nil && (cloudID == "" || best == nil) {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: find %s instance %q: %w", provider, cloudID, err)
	}
	return best, nil
}

// better reports whether a is a better answer than b to "which instance
// has this cloud id".
func better(a, b *Instance) bool {
	if a.Status.Live() != b.Status.Live() {
		return a.Status.Live()
	}
	return a.Created.After(b.Created)
}

// indexed returns the instance an index entry names; a missing one means
// the index is damaged.
func indexed(b *bolt.Bucket, name []byte) (*Instance, error) {
	inst, err := instances.getIn(b, name)
	if err == nil && inst == nil {
		err = fmt.Errorf("index names instance %q, which is missing", name)
	}
	return inst, err
}
