package etcdstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/spuffbot/spuffbot/store"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var auditLog = &table[store.AuditEvent]{
	kind: "audit event",
	key:  func(l layout, e *store.AuditEvent) string { return l.audit(e.Time, e.Seq) },
}

// Audit appends ev to the audit log, giving it the next sequence number
// and, when its Time is zero, the current time. The sequence counter is
// advanced with compare-and-swap, so that the numbers stay unique and
// increasing across replicas.
func (s *Store) Audit(ctx context.Context, ev store.AuditEvent) error {
	if ev.Time.IsZero() {
		ev.Time = s.now()
	}
	if err := s.audit(ctx, &ev); err != nil {
		return fmt.Errorf("etcdstore: audit %s by %s: %w", ev.Action, ev.Actor, err)
	}
	return nil
}

func (s *Store) audit(ctx context.Context, ev *store.AuditEvent) error {
	seqKey := s.keys.auditSeq()
	resp, err := s.get(ctx, seqKey)
	if err != nil {
		return err
	}
	kvs := resp.Kvs
	for {
		var last uint64
		var rev int64
		if len(kvs) > 0 {
			if last, err = strconv.ParseUint(string(kvs[0].Value), 10, 64); err != nil {
				return fmt.Errorf("audit sequence %q is not a number", kvs[0].Value)
			}
			rev = kvs[0].ModRevision
		}
		ev.Seq = last + 1
		data, err := json.Marshal(ev)
		if err != nil {
			return fmt.Errorf("encode audit event: %w", err)
		}
		resp, err := s.client.Txn(ctx).
			If(clientv3.Compare(clientv3.ModRevision(seqKey), "=", rev)).
			Then(
				clientv3.OpPut(seqKey, strconv.FormatUint(ev.Seq, 10)),
				clientv3.OpPut(auditLog.key(s.keys, ev), string(data)),
			).
			Else(clientv3.OpGet(seqKey)).
			Commit()
		if err != nil {
			return err
		}
		if resp.Succeeded {
			return nil
		}
		kvs = resp.Responses[0].GetResponseRange().Kvs
	}
}

// ListAudit returns the events whose Time is at or after since, oldest
// first. When limit is positive only the newest limit of them are kept.
// Both are one range read, as events are keyed by time.
func (s *Store) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	dir := s.keys.dir("audit")
	opts := []clientv3.OpOption{clientv3.WithRange(clientv3.GetPrefixRangeEnd(dir))}
	if limit > 0 {
		opts = append(opts,
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortDescend),
			clientv3.WithLimit(int64(limit)))
	}
	resp, err := s.get(ctx, dir+timeKey(since), opts...)
	var out []store.AuditEvent
	if err == nil {
		out, err = auditLog.decodeAll(resp.Kvs, nil)
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list audit: %w", err)
	}
	if limit > 0 {
		slices.Reverse(out)
	}
	if out == nil {
		out = []store.AuditEvent{}
	}
	return out, nil
}
