package commands

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// TestCreateDeadlineCountsFromTheFirstTry checks that the deadline for a
// create's unknown outcome counts from when the create was first
// journaled, not from a restart: a run resumed after it looks for the VM
// by its label once, then adopts it or fails, and never asks for a new
// VM; one resumed within it still creates. The clock is the fake one;
// CreateTimeout is long enough that a fresh deadline would let the
// resumed run retry and create.
func TestCreateDeadlineCountsFromTheFirstTry(t *testing.T) {
	t.Parallel()
	const timeout = time.Hour
	unclear := &providers.Error{Provider: "demo", Op: "list instances", Kind: providers.ErrUnknownOutcome, Message: "502 Bad Gateway"}
	tests := []struct {
		name    string
		after   time.Duration // from the first journaling to the restart
		made    bool          // the first try made the VM
		fault   error         // the first ListInstances of the resumed run
		want    store.OpState
		creates int // CreateInstance calls by the resumed run
		lists   int // ListInstances calls by the resumed run, when it fails
		errText string
	}{
		{name: "late, the VM was made: adopted", after: timeout + time.Minute, made: true, want: store.OpDone},
		{name: "late, nothing made: fails without asking again", after: timeout + time.Minute, want: store.OpFailed,
			lists: 1, errText: "nothing was created"},
		{name: "late, the look is unclear: fails after one look", after: timeout + time.Minute, fault: unclear,
			want: store.OpFailed, lists: 1, errText: "502 Bad Gateway"},
		{name: "within the deadline, nothing made: created", after: timeout - time.Minute, want: store.OpDone, creates: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *Config) { c.CreateTimeout = timeout }))
			r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
			first := e.clock.Now()
			e.crashAt(r.Op.ID, func(op *store.Operation) {
				req, err := decodeUp(op)
				if err != nil {
					t.Fatal(err)
				}
				req.CreateFrom = first
				op.Request, _ = json.Marshal(req)
				op.State, op.Step = store.OpRunning, stepCreating
			})
			if tt.made {
				e.createAtCloud(r.Op.ID)
			}
			if tt.fault != nil {
				e.cloud.SetFailNext(demo.OpListInstances, tt.fault)
			}
			e.clock.Advance(tt.after)
			before := e.cloud.Calls()

			e.resume(1)

			calls := e.cloud.Calls()
			op := e.op(r.Op.ID)
			if op.State != tt.want {
				t.Fatalf("resumed op = %s (%s), want %s", op.State, op.Error, tt.want)
			}
			if got := calls[demo.OpCreateInstance] - before[demo.OpCreateInstance]; got != tt.creates {
				t.Errorf("CreateInstance calls by the resumed run = %d, want %d", got, tt.creates)
			}
			if tt.want == store.OpFailed {
				if got := calls[demo.OpListInstances] - before[demo.OpListInstances]; got != tt.lists {
					t.Errorf("ListInstances calls by the resumed run = %d, want %d", got, tt.lists)
				}
				wantContains(t, "Error", op.Error, tt.errText)
				if n := e.cloudCount(); n != 0 {
					t.Errorf("instances at the cloud = %d, want none", n)
				}
			}
		})
	}
}
