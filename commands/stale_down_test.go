package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

// TestSecondDownRefused: a down while another down of the same instance is
// pending is answered "already being destroyed".
func TestSecondDownRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up(caller(alice), "box")
	first := e.handle("d1", caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
	if first.Op == nil {
		t.Fatalf("first down = %+v, want an operation", first)
	}
	ue := e.refused(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
	wantContains(t, "second down", ue.Error(), "already being destroyed")
}

// TestStaleDownLeavesNewVMAlone replays a down that destroyed its VM but
// crashed before it was marked done, after the name was reused: it must
// end without touching the new VM or its record.
func TestStaleDownLeavesNewVMAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		stale func(e *env, down *store.Operation)
	}{
		{"crashed after marking destroyed", func(e *env, down *store.Operation) {
			// What a crash at down-after-mark leaves in the journal.
			if _, err := e.db.UpdateOperation(e.ctx, down.ID, func(o *store.Operation) error {
				o.State, o.Step, o.Ended = store.OpRunning, "destroying", time.Time{}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
		{"accepted and never started", func(e *env, down *store.Operation) {
			if _, err := e.db.UpdateOperation(e.ctx, down.ID, func(o *store.Operation) error {
				o.State, o.Step, o.Ended = store.OpAccepted, "", time.Time{}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.up(caller(alice), "box")
			down := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
			if down.State != store.OpDone {
				t.Fatalf("down = %s (%s)", down.State, down.Error)
			}
			reused := e.up(caller(bob), "box") // the name belongs to bob's new VM now
			tt.stale(e, down)
			e.svc.Run(e.ctx, down.ID)

			if got := e.instance("box"); got.Status != store.InstanceReady || got.OpID != reused.OpID || got.CloudID != reused.CloudID {
				t.Errorf("bob's instance after the stale down = %s (op %s, cloud %s), want ready and untouched", got.Status, got.OpID, got.CloudID)
			}
			if vm := e.atCloud(reused.CloudID); vm == nil {
				t.Errorf("bob's VM %s is gone after the stale down", reused.CloudID)
			}
			if got := e.op(down.ID); !got.State.Final() {
				t.Errorf("stale down = %s, want it ended", got.State)
			}
			for _, ev := range e.rec.of(down.ID)[len(e.rec.of(down.ID))-1:] {
				if ev.Instance != nil {
					t.Errorf("stale down's last event %s carries instance %+v, want none: the record is bob's", ev.Kind, ev.Instance)
				}
			}
		})
	}
}
