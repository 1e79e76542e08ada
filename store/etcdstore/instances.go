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

var instances = &table[store.Instance]{
	kind:  "instance",
	key:   func(l layout, i *store.Instance) string { return l.instance(i.Name) },
	index: indexInstance,
}

// indexInstance returns the operations that keep the owner and cloud id
// indexes right when cur replaces old (nil if cur is new). A key both
// deleted and put would make etcd refuse the transaction, so an index key
// that stays is only put again. The owner's key is written only when the
// instance joins the owner or becomes live or not live: a change of the
// owner's index is then a change of the number of their live instances,
// which Accept's cap check watches, and a VM that boots (its status, IP,
// warnings) does not make the owner's next accept retry.
func indexInstance(l layout, old, cur *store.Instance) []etcdhttp.Op {
	var ops []etcdhttp.Op
	owner, cloud := l.owner(cur.Owner, cur.Name), ""
	if cur.CloudID != "" {
		cloud = l.cloud(cur.Provider, cur.CloudID, cur.Name)
	}
	if old != nil {
		if k := l.owner(old.Owner, old.Name); k != owner {
			ops = append(ops, etcdhttp.OpDelete(k))
		}
		if old.CloudID != "" {
			if k := l.cloud(old.Provider, old.CloudID, old.Name); k != cloud {
				ops = append(ops, etcdhttp.OpDelete(k))
			}
		}
	}
	if old == nil || l.owner(old.Owner, old.Name) != owner || old.Status.Live() != cur.Status.Live() {
		ops = append(ops, etcdhttp.OpPut(owner, cur.Name))
	}
	if cloud != "" {
		ops = append(ops, etcdhttp.OpPut(cloud, cur.Name))
	}
	return ops
}

// CreateInstance stores a new instance. It fails with store.ErrExists
// while a live instance has the same name; a destroyed or failed one is
// replaced. A zero Created is set to now.
func (s *Store) CreateInstance(ctx context.Context, inst store.Instance) error {
	if inst.Name == "" {
		return errors.New("etcdstore: create instance: name is required")
	}
	if inst.Created.IsZero() {
		inst.Created = s.now()
	}
	err := instances.put(ctx, s, &inst, func(old *store.Instance) error {
		if old != nil && old.Status.Live() {
			return fmt.Errorf("%w: %s, owned by %s", store.ErrExists, old.Status, old.Owner)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("etcdstore: create instance %q: %w", inst.Name, err)
	}
	return nil
}

// PutInstance inserts or replaces an instance. It refuses with
// store.ErrExists to replace a live instance that another operation (a
// different OpID) created. A zero Created is set to now.
func (s *Store) PutInstance(ctx context.Context, inst store.Instance) error {
	if inst.Name == "" {
		return errors.New("etcdstore: put instance: name is required")
	}
	if inst.Created.IsZero() {
		inst.Created = s.now()
	}
	err := instances.put(ctx, s, &inst, func(old *store.Instance) error {
		if old != nil && old.Status.Live() && old.OpID != inst.OpID {
			return fmt.Errorf("%w: %s, created by operation %q", store.ErrExists, old.Status, old.OpID)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("etcdstore: put instance %q: %w", inst.Name, err)
	}
	return nil
}

// GetInstance returns the instance called name, or an error wrapping
// store.ErrNotFound.
func (s *Store) GetInstance(ctx context.Context, name string) (*store.Instance, error) {
	return instances.load(ctx, s, name, s.keys.instance(name))
}

// UpdateInstance applies fn to the instance called name and stores the
// result, atomically; concurrent updates of one instance, from this
// process or another, never lose a change. When another writer got in
// first, fn runs again on a fresh copy of the record as it is now, so fn
// must only change its argument (or set outside variables afresh on every
// run). An error from fn leaves the instance as it was and is returned as
// it is. fn may change the owner but not the name.
func (s *Store) UpdateInstance(ctx context.Context, name string, fn func(*store.Instance) error) (*store.Instance, error) {
	return instances.update(ctx, s, name, s.keys.instance(name), fn)
}

// ListInstances returns the instances f selects, ordered by Created, then
// Name. Listing one owner's reads only that owner's instances, through the
// owner index.
func (s *Store) ListInstances(ctx context.Context, f store.InstanceFilter) ([]store.Instance, error) {
	keep := func(i *store.Instance) bool {
		return (f.Owner == "" || i.Owner == f.Owner) &&
			(!f.LiveOnly || i.Status.Live()) &&
			(f.Provider == "" || i.Provider == f.Provider)
	}
	var out []store.Instance
	var err error
	if f.Owner != "" {
		out, err = s.indexedInstances(ctx, s.keys.dir("instances_by_owner", f.Owner), keep)
	} else {
		out, err = instances.list(ctx, s, s.keys.dir("instances"), keep)
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list instances: %w", err)
	}
	slices.SortFunc(out, func(a, b store.Instance) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Name, b.Name))
	})
	return out, nil
}

// FindInstanceByCloudID returns the instance with the provider's cloud id,
// or an error wrapping store.ErrNotFound. Should several records carry the
// id, a live one wins over the others, then the newest.
func (s *Store) FindInstanceByCloudID(ctx context.Context, provider, cloudID string) (*store.Instance, error) {
	var found []store.Instance
	var err error
	if cloudID != "" { // instances without a cloud id are not indexed
		found, err = s.indexedInstances(ctx, s.keys.dir("instances_by_cloud_id", provider, cloudID), func(i *store.Instance) bool {
			return i.Provider == provider && i.CloudID == cloudID
		})
	}
	var best *store.Instance
	for i := range found {
		if best == nil || better(&found[i], best) {
			best = &found[i]
		}
	}
	if err == nil && best == nil {
		err = store.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: find %s instance %q: %w", provider, cloudID, err)
	}
	return best, nil
}

// indexedInstances returns the instances that the index keys under dir
// name, those keep accepts (all when keep is nil). An index written in the
// same transaction as its records cannot be stale, but keep checks what
// the index claims all the same.
func (s *Store) indexedInstances(ctx context.Context, dir string, keep func(*store.Instance) bool) ([]store.Instance, error) {
	kvs, err := s.indexed(ctx, dir, s.keys.instance)
	if err != nil {
		return nil, err
	}
	return instances.decodeAll(kvs, keep)
}

// better reports whether a is a better answer than b to "which instance
// has this cloud id".
func better(a, b *store.Instance) bool {
	if a.Status.Live() != b.Status.Live() {
		return a.Status.Live()
	}
	return a.Created.After(b.Created)
}
