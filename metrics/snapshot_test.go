package metrics_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/spuffbot/spuffbot/metrics"
)

func TestSnapshotGauges(t *testing.T) {
	m := metrics.New()
	var hadDeadline atomic.Bool
	m.SetSnapshotFunc(func(ctx context.Context) (metrics.Snapshot, error) {
		_, ok := ctx.Deadline()
		hadDeadline.Store(ok)
		return metrics.Snapshot{
			Running:          map[string]int{"hetzner": 3, "aws": 1},
			SpendPerHour:     map[string]float64{"hetzner": 0.0234, "aws": 0.0416},
			ApprovalsPending: 2,
		}, nil
	})
	f := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"spuffbot_instances_running", map[string]string{"cloud": "hetzner"}, 3},
		{"spuffbot_instances_running", map[string]string{"cloud": "aws"}, 1},
		{"spuffbot_spend_usd_per_hour", map[string]string{"cloud": "hetzner"}, 0.0234},
		{"spuffbot_spend_usd_per_hour", map[string]string{"cloud": "aws"}, 0.0416},
		{"spuffbot_approvals_pending", map[string]string{}, 2},
		{"spuffbot_snapshot_errors_total", map[string]string{}, 0},
	}
	for _, tt := range tests {
		if got := f.mustValue(t, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
	if !hadDeadline.Load() {
		t.Errorf("the snapshot function got a context without a deadline")
	}
}

func TestSnapshotReadAtEveryScrape(t *testing.T) {
	m := metrics.New()
	var pending atomic.Int64
	m.SetSnapshotFunc(func(context.Context) (metrics.Snapshot, error) {
		return metrics.Snapshot{ApprovalsPending: int(pending.Load())}, nil
	})
	for _, want := range []int64{0, 4, 1} {
		pending.Store(want)
		f := scrape(t, m)
		if got := f.mustValue(t, "spuffbot_approvals_pending", map[string]string{}); got != float64(want) {
			t.Errorf("spuffbot_approvals_pending = %v, want %v", got, want)
		}
	}
}

func TestSnapshotError(t *testing.T) {
	m := metrics.New()
	m.CommandDone("up", metrics.OutcomeOK)
	m.SetSnapshotFunc(func(context.Context) (metrics.Snapshot, error) {
		return metrics.Snapshot{Running: map[string]int{"aws": 1}, ApprovalsPending: 1}, errors.New("store closed")
	})
	scrape(t, m)
	f := scrape(t, m)
	for _, name := range []string{"spuffbot_instances_running", "spuffbot_spend_usd_per_hour", "spuffbot_approvals_pending"} {
		if n := f.series(name); n != 0 {
			t.Errorf("%s has %d series after the snapshot failed, want none", name, n)
		}
	}
	if got := f.mustValue(t, "spuffbot_snapshot_errors_total", map[string]string{}); got != 2 {
		t.Errorf("spuffbot_snapshot_errors_total = %v after two failed scrapes, want 2", got)
	}
	labels := map[string]string{"verb": "up", "outcome": "ok"}
	if got := f.mustValue(t, "spuffbot_commands_total", labels); got != 1 {
		t.Errorf("spuffbot_commands_total%v = %v, want 1 despite the failed snapshot", labels, got)
	}
}

func TestSnapshotUnset(t *testing.T) {
	f := scrape(t, metrics.New())
	for _, name := range []string{"spuffbot_instances_running", "spuffbot_spend_usd_per_hour", "spuffbot_approvals_pending"} {
		if n := f.series(name); n != 0 {
			t.Errorf("%s has %d series without a snapshot function, want none", name, n)
		}
	}
}
