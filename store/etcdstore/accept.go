package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// Accept journals a — the operation, the reserved instance and the audit
// line — in one transaction, and returns the operation with true. When
// a.Op.Key was seen, by this replica or another, it returns the earlier
// operation and false, writing nothing. A reserved name that belongs to a
// live instance fails with store.ErrExists; an owner who already has
// a.MaxLive live instances (when positive) with store.ErrQuota. These
// are the semantics of bolt.DB.Accept.
//
// etcd cannot count inside a transaction, so Accept reads what it checks
// and then commits only if none of it changed: the operation's key and id
// are still free, and the reserved name's record and every record of the
// owner's instances are as read. When another writer got in first it
// reads again and decides again (a bounded number of times, see cas), so
// that concurrent accepts on any number of replicas never exceed the cap.
// The audit line has a key of its own: accepts for different people never
// conflict.
func (s *Store) Accept(ctx context.Context, a store.Acceptance) (store.Operation, bool, error) {
	if a.Op.ID == "" {
		return store.Operation{}, false, errors.New("etcdstore: accept: operation id is required")
	}
	var op store.Operation
	var created bool
	err := s.cas(ctx, func(ctx context.Context) (done bool, err error) {
		op, created, done, err = s.acceptOnce(ctx, a)
		return done, err
	})
	if err != nil {
		return store.Operation{}, false, fmt.Errorf("etcdstore: accept operation %q: %w", a.Op.ID, err)
	}
	return op, created, nil
}

// acceptSnapshot is what one attempt of Accept read, at one revision.
type acceptSnapshot struct {
	rev      int64
	seen     string // id of the operation holding the key; "" when none
	idTaken  bool
	instance *etcdhttp.KeyValue   // the reserved name's record; nil when none
	owned    []*etcdhttp.KeyValue // the owner's index keys
}

// acceptOnce makes one attempt. done is false when another writer changed
// what it read before it could commit; nothing is written then.
func (s *Store) acceptOnce(ctx context.Context, a store.Acceptance) (op store.Operation, created, done bool, err error) {
	snap, err := s.readAccept(ctx, a)
	if err != nil {
		return op, false, false, err
	}
	if snap.seen != "" {
		seen, err := operations.load(ctx, s, snap.seen, s.keys.operation(snap.seen))
		if err != nil {
			return op, false, false, fmt.Errorf("key %q names operation %q: %w", a.Op.Key, snap.seen, err)
		}
		return *seen, false, true, nil
	}
	if snap.idTaken {
		return op, false, false, store.ErrExists
	}
	op = a.Op
	now := s.now()
	op.Created, op.Updated = now, now
	writes, err := operations.writes(s.keys, nil, &op)
	if err != nil {
		return op, false, false, err
	}
	conds := []etcdhttp.Cmp{etcdhttp.Compare(etcdhttp.CreateRevision(s.keys.operation(op.ID)), "=", 0)}
	if op.Key != "" {
		conds = append(conds, etcdhttp.Compare(etcdhttp.CreateRevision(s.keys.opKey(op.Key)), "=", 0))
	}
	if a.Reserve != nil {
		w, c, err := s.reserve(ctx, a, snap, now)
		if err != nil {
			return op, false, false, err
		}
		writes, conds = append(writes, w...), append(conds, c...)
	}
	if a.Audit != nil {
		ev := *a.Audit
		if ev.Time.IsZero() {
			ev.Time = now
		}
		put, err := s.auditPut(ev)
		if err != nil {
			return op, false, false, err
		}
		writes = append(writes, put)
	}
	resp, err := s.client.Txn(ctx).If(conds...).Then(writes...).Commit()
	if err != nil {
		return op, false, false, err
	}
	return op, true, resp.Succeeded, nil
}

// readAccept reads, in one transaction, everything Accept checks.
func (s *Store) readAccept(ctx context.Context, a store.Acceptance) (*acceptSnapshot, error) {
	if err := s.usable(ctx); err != nil {
		return nil, err
	}
	reads := []etcdhttp.Op{
		etcdhttp.OpGet(s.keys.operation(a.Op.ID), etcdhttp.WithCountOnly()),
	}
	if a.Op.Key != "" {
		reads = append(reads, etcdhttp.OpGet(s.keys.opKey(a.Op.Key)))
	}
	if a.Reserve != nil {
		reads = append(reads,
			etcdhttp.OpGet(s.keys.instance(a.Reserve.Name)),
			etcdhttp.OpGet(s.keys.dir("instances_by_owner", a.Reserve.Owner), etcdhttp.WithPrefix()))
	}
	resp, err := s.client.Txn(ctx).Then(reads...).Commit()
	if err != nil {
		return nil, err
	}
	r := resp.Responses
	first := func(i int) *etcdhttp.KeyValue {
		if kvs := r[i].GetResponseRange().Kvs; len(kvs) > 0 {
			return kvs[0]
		}
		return nil
	}
	snap := &acceptSnapshot{
		rev:     resp.Header.Revision,
		idTaken: r[0].GetResponseRange().Count > 0,
	}
	i := 1
	if a.Op.Key != "" {
		if kv := first(i); kv != nil {
			snap.seen = string(kv.Value)
		}
		i++
	}
	if a.Reserve != nil {
		snap.instance = first(i)
		snap.owned = r[i+1].GetResponseRange().Kvs
	}
	return snap, nil
}

// reserve returns the writes of a's instance and the conditions under
// which the checks made on snap still hold, or the error of a check that
// fails: the name is live, or the owner is at the cap.
func (s *Store) reserve(ctx context.Context, a store.Acceptance, snap *acceptSnapshot, now time.Time) ([]etcdhttp.Op, []etcdhttp.Cmp, error) {
	inst := *a.Reserve
	if inst.Created.IsZero() {
		inst.Created = now
	}
	key := s.keys.instance(inst.Name)
	var old *store.Instance
	var rev int64
	if snap.instance != nil {
		var err error
		if old, err = instances.decode(snap.instance); err != nil {
			return nil, nil, err
		}
		if old.Status.Live() {
			return nil, nil, fmt.Errorf("%w: instance %s, %s, owned by %s", store.ErrExists, inst.Name, old.Status, old.Owner)
		}
		rev = snap.instance.ModRevision
	}
	conds := []etcdhttp.Cmp{etcdhttp.Compare(etcdhttp.ModRevision(key), "=", rev)}
	if a.MaxLive > 0 {
		n, err := s.liveAt(ctx, snap.owned, snap.rev)
		if err != nil {
			return nil, nil, err
		}
		if n >= a.MaxLive {
			return nil, nil, fmt.Errorf("%w: %s has %d live instances", store.ErrQuota, inst.Owner, n)
		}
		// A write of an instance that joins the owner or changes whether
		// it is live puts its owner index key again (see indexInstance),
		// so no key under the owner's index newer than the read means the
		// owner's live count is as read. One that moved to another owner
		// only lowers the count.
		dir := s.keys.dir("instances_by_owner", inst.Owner)
		conds = append(conds, etcdhttp.Compare(etcdhttp.ModRevision(dir), "<", snap.rev+1).WithPrefix())
	}
	writes, err := instances.writes(s.keys, old, &inst)
	return writes, conds, err
}

// liveAt counts the live instances that the owner index keys name, as
// they were at rev.
func (s *Store) liveAt(ctx context.Context, owned []*etcdhttp.KeyValue, rev int64) (int, error) {
	if len(owned) == 0 {
		return 0, nil
	}
	keys := make([]string, len(owned))
	for i, kv := range owned {
		keys[i] = s.keys.instance(string(kv.Value))
	}
	kvs, err := s.getAt(ctx, keys, rev)
	if err != nil {
		return 0, err
	}
	list, err := instances.decodeAll(kvs, func(i *store.Instance) bool { return i.Status.Live() })
	return len(list), err
}
