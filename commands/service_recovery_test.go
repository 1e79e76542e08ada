package commands

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// crashAt journals operation id as a crashed run would have left it.
func (e *env) crashAt(id string, fn func(*store.Operation)) {
	e.t.Helper()
	if _, err := e.db.UpdateOperation(e.ctx, id, func(op *store.Operation) error { fn(op); return nil }); err != nil {
		e.t.Fatalf("UpdateOperation(%s): %v", id, err)
	}
}

// createAtCloud creates box for op directly at the cloud, as the crashed
// run's create call did.
func (e *env) createAtCloud(opID string) *providers.Instance {
	e.t.Helper()
	in, err := e.cloud.CreateInstance(e.ctx, providers.InstanceRequest{
		Name: "box", Region: "demo-eu", Size: "small",
		Labels: map[string]string{providers.LabelOwner: alice, providers.LabelOp: opID},
	})
	if err != nil {
		e.t.Fatalf("demo CreateInstance: %v", err)
	}
	return in
}

// resume restarts the Service, resumes and waits, checking the count.
func (e *env) resume(want int) {
	e.t.Helper()
	e.restart()
	n, err := e.svc.Resume(e.ctx)
	if err != nil || n != want {
		e.t.Fatalf("Resume() = %d, %v; want %d", n, err, want)
	}
	e.svc.Wait()
}

func TestResumeUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		crash     func(e *env, id string) // leaves the journal as a crash would
		creates   int                     // CreateInstance calls by the resumed run
		wantKinds []EventKind
	}{
		{
			name:      "accepted, never run",
			crash:     func(e *env, id string) {},
			creates:   1,
			wantKinds: []EventKind{EventAccepted, EventCreating, EventCreated, EventReady},
		},
		{
			name: "creating, the call reached the cloud",
			crash: func(e *env, id string) {
				e.crashAt(id, func(op *store.Operation) { op.State, op.Step = store.OpRunning, stepCreating })
				e.createAtCloud(id)
			},
			creates:   0, // adopted by its spuff-op label
			wantKinds: []EventKind{EventCreating, EventCreated, EventReady},
		},
		{
			name: "creating, the call never reached the cloud",
			crash: func(e *env, id string) {
				e.crashAt(id, func(op *store.Operation) { op.State, op.Step = store.OpRunning, stepCreating })
			},
			creates:   1,
			wantKinds: []EventKind{EventCreating, EventCreated, EventReady},
		},
		{
			name: "created, the id not yet on the instance record",
			crash: func(e *env, id string) {
				in := e.createAtCloud(id)
				e.crashAt(id, func(op *store.Operation) {
					op.State, op.Step, op.CloudID = store.OpRunning, stepCreated, in.ID
				})
			},
			creates:   0,
			wantKinds: []EventKind{EventReady},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
			tt.crash(e, r.Op.ID)
			before := e.cloud.Calls()[demo.OpCreateInstance]

			e.resume(1)

			if got := e.cloud.Calls()[demo.OpCreateInstance] - before; got != tt.creates {
				t.Errorf("CreateInstance calls by the resumed run = %d, want %d", got, tt.creates)
			}
			if got := e.cloudCount(); got != 1 {
				t.Errorf("instances at the cloud = %d, want 1", got)
			}
			op := e.op(r.Op.ID)
			in := e.instance("box")
			if op.State != store.OpDone || in.Status != store.InstanceReady || in.CloudID == "" || in.CloudID != op.CloudID {
				t.Errorf("after resume op %s (%s) cloud %q, instance %s cloud %q; want done, ready, same id",
					op.State, op.Error, op.CloudID, in.Status, in.CloudID)
			}
			if at := e.atCloud(in.CloudID); at == nil || at.Labels[providers.LabelOp] != op.ID {
				t.Errorf("cloud instance = %+v, want labelled with op %s", at, op.ID)
			}
			if diff := cmp.Diff(tt.wantKinds, e.rec.kinds(op.ID)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			// A second start finds nothing to do.
			e.resume(0)
		})
	}
}

func TestResumeDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
	e.crashAt(r.Op.ID, func(op *store.Operation) { op.State, op.Step, op.CloudID = store.OpRunning, "destroying", in.CloudID })
	if _, err := e.db.UpdateInstance(e.ctx, "box", func(i *store.Instance) error { i.Status = store.InstanceDestroying; return nil }); err != nil {
		t.Fatal(err)
	}
	e.resume(1)
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("instance still at the cloud after the resumed down")
	}
	if op := e.op(r.Op.ID); op.State != store.OpDone {
		t.Errorf("down op = %s (%s), want done", op.State, op.Error)
	}
	if got := e.instance("box").Status; got != store.InstanceDestroyed {
		t.Errorf("instance is %s, want destroyed", got)
	}
}

func TestResumeLeavesApprovalsWaiting(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	op := e.request(caller(alice), "big")
	n := len(e.rec.of(op.ID))
	e.resume(0)
	if got := e.op(op.ID).State; got != store.OpAwaitingApproval {
		t.Errorf("op after resume = %s, want still awaiting approval", got)
	}
	if got := len(e.rec.of(op.ID)); got != n {
		t.Errorf("resume emitted %d events for a waiting request, want none", got-n)
	}
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("CreateInstance calls = %d, want 0", got)
	}
	// The restarted Service still takes the decision.
	if d, err := e.svc.Decide(e.ctx, op.ID, bob, true); err != nil || !d.Changed {
		t.Fatalf("Decide after restart = %+v, %v", d, err)
	}
	e.svc.Wait()
	if got := e.instance("big").Status; got != store.InstanceReady {
		t.Errorf("instance is %s, want ready", got)
	}
}

// A crash between recording a decision and acting on it leaves the
// operation awaiting approval with a decided approval: the next start
// finishes what the click began.
func TestResumeDecidedApproval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		state  store.ApprovalState
		want   store.OpState
		status store.InstanceStatus
		kind   EventKind
	}{
		{store.ApprovalApproved, store.OpDone, store.InstanceReady, EventReady},
		{store.ApprovalDenied, store.OpFailed, store.InstanceFailed, EventDenied},
		{store.ApprovalExpired, store.OpFailed, store.InstanceFailed, EventApprovalExpired},
	}
	for _, tt := range tests {
		t.Run(string(tt.state), func(t *testing.T) {
			t.Parallel()
			e := approvalEnv(t)
			op := e.request(caller(alice), "big")
			if _, err := e.db.UpdateApproval(e.ctx, op.ID, func(a *store.Approval) error {
				a.State, a.DecidedBy = tt.state, bob
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			e.restart()
			if _, err := e.svc.Resume(e.ctx); err != nil {
				t.Fatal(err)
			}
			e.svc.Wait()
			if got := e.op(op.ID).State; got != tt.want {
				t.Errorf("op = %s, want %s", got, tt.want)
			}
			if got := e.instance("big").Status; got != tt.status {
				t.Errorf("instance = %s, want %s", got, tt.status)
			}
			e.rec.last(t, op.ID, tt.kind)
		})
	}
}
