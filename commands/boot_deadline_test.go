package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store"
)

// TestUpNeverBoots gives a VM that never becomes ready: it is destroyed
// at the boot deadline, and the failure names the cloud's last status.
func TestUpNeverBoots(t *testing.T) {
	t.Parallel()
	for _, c := range faultyClouds(t) {
		t.Run(c.name, func(t *testing.T) {
			e := cloudEnv(t, c, func(cfg *Config) { cfg.BootTimeout = 200 * time.Millisecond })
			c.setReadyAfter(time.Hour)
			op := e.upOn(c, "stuck")
			if op.State != store.OpFailed {
				t.Fatalf("up of a VM that never boots = %s, want failed", op.State)
			}
			ev := e.rec.last(t, op.ID, EventFailed)
			wantContains(t, "failure", ev.Detail, "`stuck` was not ready after", Label(c.name)+" last reported it as new",
				"it was destroyed")
			if ev.Ref != "" {
				t.Errorf("failure ref = %q, want none: the cloud's doing", ev.Ref)
			}
			told := e.rec.last(t, op.ID, EventBootTimeout)
			if told.Instance == nil || told.Instance.Owner != alice || told.Detail != ev.Detail {
				t.Errorf("owner told = %+v, want alice's instance with %q", told, ev.Detail)
			}
			if in := e.instance("stuck"); in.Status != store.InstanceDestroyed {
				t.Errorf("instance = %s, want destroyed", in.Status)
			}
			if vms := vmsOf(t, c, ""); len(vms) != 0 {
				t.Errorf("VMs after the boot deadline = %d, want 0", len(vms))
			}
		})
	}
}

// TestBootDeadlineSurvivesRestart: the boot deadline counts from create,
// on the Service's clock, so a restart after it has passed destroys the
// VM at once instead of waiting again.
func TestBootDeadlineSurvivesRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetReadyAfter(24 * time.Hour) // of the fake clock
	op := e.handle("k1", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "stuck"}).Op
	e.svc.Start(e.ctx, op.ID)
	testsync.Until(t, "the up waiting for its VM", func() bool { return e.op(op.ID).Step == stepCreated })
	if in := e.instance("stuck"); !in.LeaseExpiry.After(e.clock.Now()) {
		t.Errorf("lease of a booting VM = %v, want it started at create", in.LeaseExpiry)
	}
	if err := e.svc.Shutdown(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(11 * time.Minute)
	e.resume(1)
	if got := e.op(op.ID); got.State != store.OpFailed {
		t.Fatalf("resumed up past its boot deadline = %s, want failed", got.State)
	}
	wantContains(t, "failure", e.rec.last(t, op.ID, EventFailed).Detail, "was not ready after 10m", "last reported it as new")
	if n := e.cloudCount(); n != 0 {
		t.Errorf("VMs at the cloud = %d, want 0", n)
	}
}
