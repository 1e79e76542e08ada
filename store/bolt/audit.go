package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

// auditLog stores events under their big-endian sequence number; the time
// index holds timeKey(Time) followed by that number, so that "since" is a
// seek rather than a scan.
var auditLog = &table[store.AuditEvent]{
	kind:   "audit event",
	bucket: bucketAudit,
	key:    func(e *store.AuditEvent) []byte { return seqKey(e.Seq) },
	reindex: func(tx *bbolt.Tx, _, cur *store.AuditEvent) error {
		k := append(timeKey(cur.Time), seqKey(cur.Seq)...)
		return tx.Bucket(bucketAuditTime).Put(k, nil)
	},
}

func seqKey(seq uint64) []byte { return binary.BigEndian.AppendUint64(nil, seq) }

// timeKeyLen is the length of timeKey's result.
const timeKeyLen = 12

// timeKey encodes t so that byte order is time order: seconds with the
// sign bit flipped, then nanoseconds.
func timeKey(t time.Time) []byte {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.Unix())^(1<<63))
	return binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
}

// Audit appends ev to the audit log, giving it the next sequence number
// and, when its Time is zero, the current time.
func (db *DB) Audit(ctx context.Context, ev store.AuditEvent) error {
	if ev.Time.IsZero() {
		ev.Time = db.now()
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error { return appendAudit(tx, &ev) })
	if err != nil {
		return fmt.Errorf("store: audit %s by %s: %w", ev.Action, ev.Actor, err)
	}
	return nil
}

// ListAudit returns the events whose Time is at or after since, oldest
// first. When limit is positive only the newest limit of them are kept.
func (db *DB) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	var out []store.AuditEvent
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c, from := tx.Bucket(bucketAuditTime).Cursor(), timeKey(since)
		var seqs [][]byte
		if limit > 0 {
			for k, _ := c.Last(); k != nil && bytes.Compare(k, from) >= 0 && len(seqs) < limit; k, _ = c.Prev() {
				seqs = append(seqs, k[timeKeyLen:])
			}
			slices.Reverse(seqs)
		} else {
			for k, _ := c.Seek(from); k != nil; k, _ = c.Next() {
				seqs = append(seqs, k[timeKeyLen:])
			}
		}
		out = make([]store.AuditEvent, 0, len(seqs))
		b := tx.Bucket(bucketAudit)
		for _, seq := range seqs {
			ev, err := auditLog.getIn(b, seq)
			if err == nil && ev == nil {
				err = fmt.Errorf("time index names audit event %x, which is missing", seq)
			}
			if err != nil {
				return err
			}
			out = append(out, *ev)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list audit: %w", err)
	}
	return out, nil
}

// appendAudit gives ev the next sequence number and stores it.
func appendAudit(tx *bbolt.Tx, ev *store.AuditEvent) error {
	seq, err := tx.Bucket(bucketAudit).NextSequence()
	if err != nil {
		return err
	}
	ev.Seq = seq
	return auditLog.put(tx, nil, ev)
}
