package etcdstore

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// newWriterID returns a random id that tells this Store's audit keys from
// every other replica's.
func newWriterID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails
	return hex.EncodeToString(b)
}

// auditPut returns the write that appends ev, whose Time is set: a key of
// its own (see layout.audit), so that concurrent writers, on any replica,
// never conflict. The event's Seq is not stored; it is the revision etcd
// gives the write (see decodeAudit).
func (s *Store) auditPut(ev store.AuditEvent) (etcdhttp.Op, error) {
	ev.Seq = 0
	data, err := json.Marshal(ev)
	if err != nil {
		return etcdhttp.Op{}, fmt.Errorf("encode audit event: %w", err)
	}
	return etcdhttp.OpPut(s.keys.audit(ev.Time, s.writer, s.written.Add(1)), string(data)), nil
}

// decodeAudit decodes the events in kvs, each with Seq set to the revision
// that created it: unique and increasing in the order the events were
// written, across replicas.
func decodeAudit(kvs []*etcdhttp.KeyValue) ([]store.AuditEvent, error) {
	out := make([]store.AuditEvent, 0, len(kvs))
	for _, kv := range kvs {
		var ev store.AuditEvent
		if err := json.Unmarshal(kv.Value, &ev); err != nil {
			return nil, fmt.Errorf("decode audit event %q: %w", kv.Key, err)
		}
		ev.Seq = uint64(kv.CreateRevision)
		out = append(out, ev)
	}
	return out, nil
}

// Audit appends ev to the audit log, with the current time when its Time
// is zero. It is one put under a key of its own: no counter is shared, so
// writers never wait for each other. Seq, as ListAudit returns it, is the
// etcd revision of the write.
func (s *Store) Audit(ctx context.Context, ev store.AuditEvent) error {
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	err := s.usable(ctx)
	var put etcdhttp.Op
	if err == nil {
		put, err = s.auditPut(ev)
	}
	if err == nil {
		_, err = s.client.Txn(ctx).Then(put).Commit()
	}
	if err != nil {
		return fmt.Errorf("etcdstore: audit %s by %s: %w", ev.Action, ev.Actor, err)
	}
	return nil
}

// ListAudit returns the events whose Time is at or after since, oldest
// first. When limit is positive only the newest limit of them are kept.
// Both are one range read, as events are keyed by time.
func (s *Store) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	dir := s.keys.dir("audit")
	opts := []etcdhttp.OpOption{etcdhttp.WithRange(etcdhttp.GetPrefixRangeEnd(dir))}
	if limit > 0 {
		opts = append(opts,
			etcdhttp.WithSort(etcdhttp.SortByKey, etcdhttp.SortDescend),
			etcdhttp.WithLimit(int64(limit)))
	}
	resp, err := s.get(ctx, dir+timeKey(since), opts...)
	var out []store.AuditEvent
	if err == nil {
		out, err = decodeAudit(resp.Kvs)
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list audit: %w", err)
	}
	// Events of one instant from several replicas go in the order they
	// were written.
	slices.SortStableFunc(out, func(a, b store.AuditEvent) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Seq, b.Seq))
	})
	return out, nil
}
