package providertest

import (
	"errors"
	"fmt"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
)

// suiteDestroyUnmanaged checks the label check before a destroy: an
// instance without spuff's label is refused with providers.ErrNotManaged
// and keeps running.
func suiteDestroyUnmanaged(t *testing.T, f *suiteFixture) {
	if f.target.Unmanaged == nil {
		t.Skip("Target.Unmanaged is nil")
	}
	id := f.target.Unmanaged(t)
	err := f.p.DestroyInstance(f.ctx, id)
	suiteWantKind(t, fmt.Sprintf("DestroyInstance(%q) of an instance without spuff's label", id), err, providers.ErrNotManaged)
	in, err := f.p.GetInstance(f.ctx, id)
	if err != nil || in == nil {
		t.Errorf("GetInstance(%q) after the refused destroy = %+v, %v; want it still there", id, in, err)
	}
}

// suiteDeleteUnmanagedSnapshot checks the label check before a snapshot
// delete.
func suiteDeleteUnmanagedSnapshot(t *testing.T, f *suiteFixture) {
	if f.target.UnmanagedSnapshot == nil {
		t.Skip("Target.UnmanagedSnapshot is nil")
	}
	id := f.target.UnmanagedSnapshot(t)
	err := f.p.DeleteSnapshot(f.ctx, id)
	suiteWantKind(t, fmt.Sprintf("DeleteSnapshot(%q) of a snapshot spuff did not make", id), err, providers.ErrNotManaged)
}

// suiteLostCreateThenServerErrors makes the cloud create the instance but
// lose the answer, then answer every retry with a server error until the
// SDK gives up. CreateInstance must return the instance, or an error whose
// outcome is unknown (never a refusal), and exactly one instance carries
// the operation's label: the caller can find it again.
func suiteLostCreateThenServerErrors(t *testing.T, f *suiteFixture) {
	fp := f.faults()
	fp.Knobs.FailNextOn(fp.Create, 1, Fault{Status: fp.ServerError, AfterServe: true})
	fp.Knobs.FailNextOn(fp.Create, 50, Fault{Status: fp.ServerError})
	in, err := f.p.CreateInstance(f.ctx, f.request("spuff-ct-lost"))
	fp.Knobs.ClearFaults()
	f.checkUnknownCreate(in, err)
}

// suiteCreateConnectionDropped makes the cloud create the instance and
// then drop the connection without an answer.
func suiteCreateConnectionDropped(t *testing.T, f *suiteFixture) {
	fp := f.faults()
	fp.Knobs.FailNextOn(fp.Create, 1, Fault{Drop: true, AfterServe: true})
	in, err := f.p.CreateInstance(f.ctx, f.request("spuff-ct-dropped"))
	fp.Knobs.ClearFaults()
	f.checkUnknownCreate(in, err)
}

// suiteLostCreateThenConflict makes the cloud create the instance but
// lose the answer, and then answer the retried create with a 409 name
// conflict, as Hetzner does.
func suiteLostCreateThenConflict(t *testing.T, f *suiteFixture) {
	fp := f.faults()
	if !fp.NameConflict {
		t.Skip("the cloud has no name conflicts")
	}
	fp.Knobs.FailNextOn(fp.Create, 1, Fault{Status: fp.ServerError, AfterServe: true})
	fp.Knobs.FailNextOn(fp.Create, 1, Fault{Status: 409, Conflict: true})
	in, err := f.p.CreateInstance(f.ctx, f.request("spuff-ct-conflict"))
	fp.Knobs.ClearFaults()
	if err != nil && !errors.Is(err, providers.ErrConflict) && !providers.OutcomeUnknown(err) {
		t.Fatalf("CreateInstance() after a lost answer and a 409 error = %v, want the instance, "+
			"providers.ErrConflict or an unknown outcome", err)
	}
	f.checkUnknownCreate(in, nil)
}

// checkUnknownCreate checks what a create with a lost answer left: in or
// an unknown outcome, and one instance with the suite's operation label.
func (f *suiteFixture) checkUnknownCreate(in *providers.Instance, err error) {
	f.t.Helper()
	if err != nil && !providers.OutcomeUnknown(err) {
		f.t.Errorf("CreateInstance() after a lost answer error = %v, want the instance or providers.OutcomeUnknown(err)", err)
	}
	var mine []providers.Instance
	for _, got := range f.list() {
		f.destroyAtEnd(got.ID)
		if got.Labels[providers.LabelOp] == suiteOp {
			mine = append(mine, got)
		}
	}
	if len(mine) != 1 {
		f.t.Fatalf("instances labelled %s=%s after a lost create answer = %d, want exactly 1", providers.LabelOp, suiteOp, len(mine))
	}
	if in != nil && in.ID != mine[0].ID {
		f.t.Errorf("CreateInstance() = %s, but the instance labelled with the operation is %s", in.ID, mine[0].ID)
	}
}

// suiteDestroyAnswerLost makes the cloud delete the instance and then
// answer with a timeout. DestroyInstance succeeds or reports an unknown
// outcome, a second DestroyInstance succeeds, and the instance is gone.
func suiteDestroyAnswerLost(t *testing.T, f *suiteFixture) {
	fp := f.faults()
	in := f.create("spuff-ct-destroy-lost")
	fp.Knobs.FailNextOn(fp.Destroy, 1, Fault{Status: 504, AfterServe: true})
	err := f.p.DestroyInstance(f.ctx, in.ID)
	fp.Knobs.ClearFaults()
	if err != nil && !providers.OutcomeUnknown(err) {
		t.Errorf("DestroyInstance(%q) whose answer was lost error = %v, want nil or an unknown outcome", in.ID, err)
	}
	if err := f.p.DestroyInstance(f.ctx, in.ID); err != nil {
		t.Errorf("DestroyInstance(%q) again error = %v, want nil: it is gone", in.ID, err)
	}
	if got, err := f.p.GetInstance(f.ctx, in.ID); got != nil || err != nil {
		t.Errorf("GetInstance(%q) after destroy = %+v, %v, want nil, nil", in.ID, got, err)
	}
}

// faults returns the target's fault points, skipping the subtest when it
// has none.
func (f *suiteFixture) faults() *FaultPoints {
	f.t.Helper()
	if f.target.Faults == nil {
		f.t.Skip("Target.Faults is nil: no API to break")
	}
	return f.target.Faults
}
