package bolt

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/spuffbot/spuffbot/store"
)

// instanceCache is the instances bucket held in memory, so that the
// questions asked all the time (a person's instances, everyone's, the
// instance behind a cloud id) are answered without reading and decoding
// the file. The file stays the durable truth: the cache is loaded from it
// by Open and changed only after a write to it has committed.
//
// This is sound because one DB is the only writer of its file: bbolt holds
// the file lock exclusively, and every instance write goes through
// DB.commitInstance, which keeps commits and cache changes in one order.
//
// Records in the cache are never changed in place; a write replaces the
// record, and readers get copies (cloneInstance), so nothing handed out
// aliases what the cache holds.
type instanceCache struct {
	mu     sync.RWMutex
	closed bool
	byName map[string]*store.Instance
	// all, each owner's and each cloud id's records, ordered by Created,
	// then Name, the order ListInstances answers in.
	all     []*store.Instance
	byOwner map[string][]*store.Instance
	byCloud map[cloudRef][]*store.Instance // only records with a cloud id
}

type cloudRef struct{ provider, cloudID string }

// cloneInstance returns a copy of i that shares nothing with it. Instance
// holds only values today; a map or slice field added to it must be copied
// here (TestCloneInstanceIsDeep fails until it is).
func cloneInstance(i *store.Instance) store.Instance { return *i }

// loadInstanceCache reads every instance of the file into a new cache.
func loadInstanceCache(tx *bbolt.Tx) (*instanceCache, error) {
	c := &instanceCache{
		byName:  make(map[string]*store.Instance),
		byOwner: make(map[string][]*store.Instance),
		byCloud: make(map[cloudRef][]*store.Instance),
	}
	// The bucket is in name order: append everything, then sort once.
	err := scan(tx.Bucket(bucketInstances), nil, func(k, data []byte) error {
		inst := new(store.Instance)
		err := instances.decode(k, data, inst)
		if err == nil && inst.Name != string(k) {
			err = fmt.Errorf("instance stored under %q is called %q", k, inst.Name)
		}
		if err != nil {
			return err
		}
		c.byName[inst.Name] = inst
		c.all = append(c.all, inst)
		c.byOwner[inst.Owner] = append(c.byOwner[inst.Owner], inst)
		if inst.CloudID != "" {
			ref := cloudRef{inst.Provider, inst.CloudID}
			c.byCloud[ref] = append(c.byCloud[ref], inst)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("load instances: %w", err)
	}
	slices.SortFunc(c.all, compareInstances)
	for _, s := range c.byOwner {
		slices.SortFunc(s, compareInstances)
	}
	for _, s := range c.byCloud {
		slices.SortFunc(s, compareInstances)
	}
	return c, nil
}

// put records that cur was committed to the file, replacing the instance
// of the same name if there was one. The cache keeps cur, which nothing
// else may hold.
func (c *instanceCache) put(cur *store.Instance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if old := c.byName[cur.Name]; old != nil {
		c.remove(old)
	}
	c.add(cur)
}

// putNew records a newly reserved instance unless a later write of the
// same instance (same operation) reached the cache first: Accept commits
// outside DB.commitInstance, so its cache update can trail an update made
// right after its commit.
func (c *instanceCache) putNew(cur *store.Instance) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	if old := c.byName[cur.Name]; old != nil {
		if old.OpID == cur.OpID {
			return
		}
		c.remove(old)
	}
	c.add(cur)
}

// add puts inst, which must not be in the cache yet, into every index.
func (c *instanceCache) add(inst *store.Instance) {
	c.byName[inst.Name] = inst
	c.all = insertOrdered(c.all, inst)
	c.byOwner[inst.Owner] = insertOrdered(c.byOwner[inst.Owner], inst)
	if inst.CloudID != "" {
		ref := cloudRef{inst.Provider, inst.CloudID}
		c.byCloud[ref] = insertOrdered(c.byCloud[ref], inst)
	}
}

// remove takes inst, which must be in the cache, out of every index.
func (c *instanceCache) remove(inst *store.Instance) {
	delete(c.byName, inst.Name)
	c.all = removeOrdered(c.all, inst)
	if s := removeOrdered(c.byOwner[inst.Owner], inst); len(s) > 0 {
		c.byOwner[inst.Owner] = s
	} else {
		delete(c.byOwner, inst.Owner)
	}
	if inst.CloudID != "" {
		ref := cloudRef{inst.Provider, inst.CloudID}
		if s := removeOrdered(c.byCloud[ref], inst); len(s) > 0 {
			c.byCloud[ref] = s
		} else {
			delete(c.byCloud, ref)
		}
	}
}

// close empties the cache; reads fail afterwards and puts are ignored.
func (c *instanceCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	c.byName, c.all, c.byOwner, c.byCloud = nil, nil, nil, nil
}

// get returns a copy of the instance called name, or nil.
func (c *instanceCache) get(name string) (*store.Instance, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, berrors.ErrDatabaseNotOpen
	}
	inst := c.byName[name]
	if inst == nil {
		return nil, nil
	}
	v := cloneInstance(inst)
	return &v, nil
}

// list returns copies of the instances f selects, in Created, Name order.
func (c *instanceCache) list(f store.InstanceFilter) ([]store.Instance, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, berrors.ErrDatabaseNotOpen
	}
	from := c.all
	if f.Owner != "" {
		from = c.byOwner[f.Owner]
	}
	n := len(from)
	if f.LiveOnly || f.Provider != "" {
		n = 0
		for _, inst := range from {
			if f.Keeps(inst) {
				n++
			}
		}
	}
	if n == 0 {
		return nil, nil
	}
	out := make([]store.Instance, 0, n)
	for _, inst := range from {
		if f.Keeps(inst) {
			out = append(out, cloneInstance(inst))
		}
	}
	return out, nil
}

// findByCloudID returns a copy of the best instance with the cloud id (see
// FindInstanceByCloudID), or nil.
func (c *instanceCache) findByCloudID(provider, cloudID string) (*store.Instance, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.closed {
		return nil, berrors.ErrDatabaseNotOpen
	}
	var best *store.Instance
	for _, inst := range c.byCloud[cloudRef{provider, cloudID}] {
		if best == nil || better(inst, best) {
			best = inst
		}
	}
	if best == nil {
		return nil, nil
	}
	v := cloneInstance(best)
	return &v, nil
}

// compareInstances orders instances by Created, then Name; as names are
// unique, no two cached instances compare equal.
func compareInstances(a, b *store.Instance) int {
	return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.Name, b.Name))
}

func insertOrdered(s []*store.Instance, inst *store.Instance) []*store.Instance {
	i, _ := slices.BinarySearchFunc(s, inst, compareInstances)
	return slices.Insert(s, i, inst)
}

func removeOrdered(s []*store.Instance, inst *store.Instance) []*store.Instance {
	i, found := slices.BinarySearchFunc(s, inst, compareInstances)
	if !found || s[i] != inst {
		panic(fmt.Sprintf("store: instance cache lost %q", inst.Name))
	}
	return slices.Delete(s, i, i+1)
}
