package store

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	t0 := clk.Now()
	// Ten events a minute apart, at t0+1m .. t0+10m, and one logged late
	// with its own earlier time, t0+2m30s.
	for i := range 10 {
		clk.Advance(time.Minute)
		if err := db.Audit(ctx, AuditEvent{Actor: "U1", Action: "up", Outcome: "ok", Target: string(rune('a' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	late := AuditEvent{Time: t0.Add(150 * time.Second), Actor: "U2", Action: "down", Outcome: "ok", Target: "late"}
	if err := db.Audit(ctx, late); err != nil {
		t.Fatal(err)
	}

	all, err := db.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 11 {
		t.Fatalf("ListAudit(zero, 0) gave %d events, want 11", len(all))
	}
	first := AuditEvent{Seq: 1, Time: t0.Add(time.Minute), Actor: "U1", Action: "up", Outcome: "ok", Target: "a"}
	if diff := cmp.Diff(first, all[0]); diff != "" {
		t.Errorf("first event (-want +got):\n%s", diff)
	}
	if got := all[2]; got.Seq != 11 || got.Target != "late" {
		t.Errorf("third event = %+v, want the late one with seq 11", got)
	}

	tests := []struct {
		name  string
		since time.Time
		limit int
		want  string // targets, oldest first
	}{
		{"everything", time.Time{}, 0, "ablatecdefghij"},
		{"since is inclusive", t0.Add(8 * time.Minute), 0, "hij"},
		{"since between events", t0.Add(150 * time.Second), 0, "latecdefghij"},
		{"limit keeps the newest", time.Time{}, 3, "hij"},
		{"limit larger than the log", time.Time{}, 50, "ablatecdefghij"},
		{"since and limit", t0.Add(2 * time.Minute), 3, "hij"},
		{"since cuts below limit", t0.Add(9 * time.Minute), 5, "ij"},
		{"since in the future", t0.Add(time.Hour), 0, ""},
		{"since in the future with limit", t0.Add(time.Hour), 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, err := db.ListAudit(ctx, tt.since, tt.limit)
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
}
