package commands

import (
	"testing"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// TestOneCreateTwoVMs checks what happens when a create whose answer was
// lost was tried again before the cloud listed the first VM, so that two
// VMs carry one operation's label: every look adopts the same one (the
// oldest), dropExtras destroys the other, and the last sweep of a failed
// create destroys all of them.
func TestOneCreateTwoVMs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	op := &store.Operation{ID: "op-twice", Provider: "demo"}
	made := func(name string) providers.Instance {
		t.Helper()
		in, err := e.cloud.CreateInstance(e.ctx, providers.InstanceRequest{Name: name, Size: "small", Region: "demo-eu",
			Image:  providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "24.04"},
			Labels: map[string]string{providers.LabelOp: op.ID}})
		if err != nil {
			t.Fatalf("CreateInstance(%s): %v", name, err)
		}
		return *in
	}
	first, second := made("twice-a"), made("twice-b")
	ids := func() []string {
		t.Helper()
		all, err := findAllByOp(e.ctx, e.cloud, op.ID)
		if err != nil {
			t.Fatalf("findAllByOp: %v", err)
		}
		var out []string
		for _, in := range all {
			out = append(out, in.ID)
		}
		return out
	}
	for range 3 {
		if got, err := findByOp(e.ctx, e.cloud, op.ID); err != nil || got == nil || got.ID != first.ID {
			t.Fatalf("findByOp = %+v, %v, want the oldest, %s", got, err, first.ID)
		}
	}

	e.svc.dropExtras(e.ctx, e.cloud, op, first.ID)
	if got := ids(); len(got) != 1 || got[0] != first.ID {
		t.Errorf("after dropExtras(keep %s): %v, want only %s (not %s)", first.ID, got, first.ID, second.ID)
	}

	made("twice-c")
	if got := e.svc.sweepCreate(e.ctx, e.cloud, op); got != "the VM it made late was destroyed" {
		t.Errorf("sweepCreate = %q", got)
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("after sweepCreate: %v, want none", got)
	}
}
