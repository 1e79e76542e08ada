package commands

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

func TestSnapshotCreateListDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	e.up(caller(alice), "box")

	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box", Label: "before-upgrade"})
	wantContains(t, "reply", r.Text, "`box`")
	e.svc.Run(e.ctx, r.Op.ID)
	want := []EventKind{EventAccepted, EventSnapshotting, EventSnapshotCreated}
	if diff := cmp.Diff(want, e.rec.kinds(r.Op.ID)); diff != "" {
		t.Errorf("create events (-want +got):\n%s", diff)
	}
	created := e.rec.last(t, r.Op.ID, EventSnapshotCreated)
	if created.Snapshot == nil || created.Snapshot.Name != "spuff-box-before-upgrade" || created.Snapshot.SizeGB == 0 {
		t.Fatalf("created snapshot = %+v, want spuff-box-before-upgrade with a size", created.Snapshot)
	}
	id := created.Snapshot.ID
	if op := e.op(r.Op.ID); op.State != store.OpDone || op.SnapshotID != id {
		t.Errorf("snapshot op = %+v, want done with %s", op, id)
	}
	if got := e.instance("box").Status; got != store.InstanceReady {
		t.Errorf("box is %s after a snapshot, want ready", got)
	}

	// list is a Followup: it needs a cloud call.
	e.cloud.AddUnmanagedSnapshot("someone-elses")
	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list"})
	if r.Followup == nil {
		t.Fatalf("snapshot list reply = %+v, want a Followup", r)
	}
	listed, err := r.Followup(e.ctx)
	if err != nil {
		t.Fatalf("Followup() = %v", err)
	}
	if len(listed.Snapshots) != 1 || listed.Snapshots[0].ID != id || listed.Snapshots[0].Provider != "demo" {
		t.Fatalf("listed = %+v, want only %s on demo", listed.Snapshots, id)
	}
	if got, want := listed.Snapshots[0].MonthlyCost, created.Snapshot.SizeGB*0.06; math.Abs(got-want) > 1e-9 {
		t.Errorf("MonthlyCost = %v, want %v", got, want)
	}

	// Only its maker or an admin may delete it.
	ue := e.refused(caller(mallory), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: id})
	wantContains(t, "Msg", ue.Msg, "`"+id+"`", "@"+alice)
	// A snapshot the journal does not know is looked up at the clouds,
	// by its owner label, when the delete runs.
	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: "demo-snap-999"}); op.State != store.OpFailed {
		t.Errorf("delete of an unknown snapshot = %s, want failed", op.State)
	} else {
		wantContains(t, "Error", op.Error, "no snapshot `demo-snap-999`")
	}

	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: id})
	e.svc.Run(e.ctx, r.Op.ID)
	if diff := cmp.Diff([]EventKind{EventAccepted, EventSnapshotDeleted}, e.rec.kinds(r.Op.ID)); diff != "" {
		t.Errorf("delete events (-want +got):\n%s", diff)
	}
	if snaps, _ := e.cloud.ListSnapshots(e.ctx); len(snaps) != 0 {
		t.Errorf("cloud snapshots after delete = %+v, want none", snaps)
	}
	listed, err = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list"}).Followup(e.ctx)
	if err != nil || len(listed.Snapshots) != 0 || listed.Text == "" {
		t.Errorf("list after delete = %+v, %v; want none and a sentence", listed, err)
	}
}

func TestSnapshotAdminDeletes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	e.up(caller(alice), "box")
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"})
	if op := e.run(caller(root), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: op.SnapshotID}); op.State != store.OpDone {
		t.Errorf("admin delete = %s (%s), want done", op.State, op.Error)
	}
	// An admin may also delete a snapshot spuffbot did not record.
	if op := e.run(caller(root), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: "demo-snap-77"}); op.State != store.OpDone {
		t.Errorf("admin delete of an unknown snapshot = %s (%s), want done", op.State, op.Error)
	}
}

func TestSnapshotCreateRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up(caller(alice), "box")
	ue := e.refused(caller(mallory), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"})
	wantContains(t, "Msg", ue.Msg, "@"+alice, "snapshot")
	ue = e.refused(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "nope"})
	wantContains(t, "Msg", ue.Msg, "`nope`")

	// Not ready yet: the create has not run.
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "fresh"})
	ue = e.refused(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "fresh"})
	wantContains(t, "Msg", ue.Msg, "`fresh` is not ready")
	e.svc.Run(e.ctx, r.Op.ID)
	if got := e.cloud.Calls()[demo.OpCreateSnapshot]; got != 0 {
		t.Errorf("CreateSnapshot calls = %d after refusals, want 0", got)
	}
}

func TestSnapshotListCloudDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetFailNext(demo.OpListSnapshots, errSome)
	r, err := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list"}).Followup(e.ctx)
	if err != nil {
		t.Fatalf("Followup() = %v, want a partial answer", err)
	}
	wantContains(t, "text", r.Text, "Could not reach Demo cloud")
}

func TestUpFromSnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up(caller(alice), "box")
	snap := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"})
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "copy", Snapshot: snap.SnapshotID})
	if op.State != store.OpDone {
		t.Fatalf("up --snapshot %s = %s (%s), want done", snap.SnapshotID, op.State, op.Error)
	}
	if got := e.instance("copy").Image; got != "snapshot:"+snap.SnapshotID {
		t.Errorf("image = %q, want the snapshot", got)
	}
	op = e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "nope", Snapshot: "demo-snap-404"})
	if op.State != store.OpFailed {
		t.Fatalf("up from an unknown snapshot = %s, want failed", op.State)
	}
	wantContains(t, "Detail", e.rec.last(t, op.ID, EventFailed).Detail, "demo-snap-404")
}
