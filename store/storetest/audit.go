package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spuffbot/spuffbot/store"
)

func testAudit(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	if events, err := s.ListAudit(ctx, time.Time{}, 0); err != nil || len(events) != 0 {
		t.Errorf("ListAudit of an empty log = %+v, %v, want none", events, err)
	}
	// Ten events a minute apart, at t0+1m .. t0+10m, then one logged late
	// with its own earlier time, t0+2m30s, and one at the same time as
	// the tenth.
	for i := range 10 {
		ev := store.AuditEvent{Time: t0.Add(time.Duration(i+1) * time.Minute), Actor: "U1", Action: "up", Outcome: "ok", Target: string(rune('a' + i))}
		if err := s.Audit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	for _, ev := range []store.AuditEvent{
		{Time: t0.Add(150 * time.Second), Actor: "U2", Action: "down", Outcome: "ok", Target: "late"},
		{Time: t0.Add(10 * time.Minute), Actor: "U2", Action: "down", Outcome: "ok", Target: "k"},
	} {
		if err := s.Audit(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}

	all, err := s.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 12 {
		t.Fatalf("ListAudit(zero, 0) gave %d events, want 12", len(all))
	}
	first := store.AuditEvent{Time: t0.Add(time.Minute), Actor: "U1", Action: "up", Outcome: "ok", Target: "a"}
	if diff := cmp.Diff(first, all[0], cmpopts.IgnoreFields(store.AuditEvent{}, "Seq")); diff != "" || all[0].Seq == 0 {
		t.Errorf("first event (-want +got):\n%s, seq %d (want one)", diff, all[0].Seq)
	}
	// Seq follows the order of writing, whatever the times say.
	seq := make(map[string]uint64)
	for _, ev := range all {
		seq[ev.Target] = ev.Seq
	}
	if len(seq) != 12 {
		t.Errorf("targets of 12 events = %v, want 12 distinct", seq)
	}
	if got := all[2]; got.Target != "late" || got.Seq <= seq["j"] {
		t.Errorf("third event = %+v, want the late one with a seq after j's (%d)", got, seq["j"])
	}
	if got := all[11]; got.Target != "k" || got.Seq <= seq["late"] {
		t.Errorf("last event = %+v, want k after j at the same time, with a seq after late's (%d)", got, seq["late"])
	}

	tests := []struct {
		name  string
		since time.Time
		limit int
		want  string // targets, oldest first
	}{
		{"everything", time.Time{}, 0, "ablatecdefghijk"},
		{"since is inclusive", t0.Add(8 * time.Minute), 0, "hijk"},
		{"since between events", t0.Add(150 * time.Second), 0, "latecdefghijk"},
		{"since a nanosecond later", t0.Add(150*time.Second + 1), 0, "cdefghijk"},
		{"since in another zone", t0.Add(8 * time.Minute).In(time.FixedZone("CET", 3600)), 0, "hijk"},
		{"limit keeps the newest", time.Time{}, 3, "ijk"},
		{"limit larger than the log", time.Time{}, 50, "ablatecdefghijk"},
		{"since and limit", t0.Add(2 * time.Minute), 3, "ijk"},
		{"since cuts below limit", t0.Add(9 * time.Minute), 5, "ijk"},
		{"since in the future", t0.Add(time.Hour), 0, ""},
		{"since in the future with limit", t0.Add(time.Hour), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := s.ListAudit(ctx, tt.since, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			for _, ev := range events {
				got += ev.Target
			}
			if got != tt.want {
				t.Errorf("ListAudit(%v, %d) = %q, want %q", tt.since, tt.limit, got, tt.want)
			}
		})
	}

	t.Run("zero time is now", func(t *testing.T) {
		w := around()
		if err := s.Audit(ctx, store.AuditEvent{Actor: "U3", Action: "approve", Outcome: "ok"}); err != nil {
			t.Fatal(err)
		}
		w.close()
		events, err := s.ListAudit(ctx, time.Time{}, 1)
		if err != nil || len(events) != 1 {
			t.Fatalf("ListAudit(zero, 1) = %+v, %v, want one event", events, err)
		}
		if events[0].Seq <= seq["k"] || events[0].Actor != "U3" {
			t.Errorf("newest event = %+v, want U3's with a seq after k's (%d)", events[0], seq["k"])
		}
		w.check(t, "Time", events[0].Time)
	})
}

// testAuditConcurrent logs from many goroutines at once: every event is
// kept, with a sequence number of its own.
func testAuditConcurrent(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	const workers, rounds = 8, 5
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range rounds {
				if err := s.Audit(ctx, store.AuditEvent{Time: t0, Actor: "U1", Action: "up", Outcome: "ok"}); err != nil {
					t.Errorf("Audit: %v", err)
				}
			}
		})
	}
	wg.Wait()
	events, err := s.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := make(map[uint64]bool)
	for _, ev := range events {
		if ev.Seq != 0 {
			seen[ev.Seq] = true
		}
	}
	if want := workers * rounds; len(events) != want || len(seen) != want {
		t.Errorf("%d concurrent events: %d listed, %d distinct sequence numbers, want %d of each", want, len(events), len(seen), want)
	}
}
