package commands

import (
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// snapshotAtCloud makes a snapshot of in straight at the demo cloud, with
// labels (none: as made before spuffbot labelled owners), and returns its
// id.
func (e *env) snapshotAtCloud(in *store.Instance, name string, labels map[string]string) string {
	e.t.Helper()
	sn, err := e.cloud.CreateSnapshot(e.ctx, providers.SnapshotRequest{InstanceID: in.CloudID, Name: name, Labels: labels})
	if err != nil {
		e.t.Fatalf("CreateSnapshot(%s): %v", name, err)
	}
	return sn.ID
}

// journalSnapshot journals a finished snapshot create by owner that made
// snapshot id on provider, ended now.
func (e *env) journalSnapshot(opID, owner, provider, id string) {
	e.t.Helper()
	op := store.Operation{ID: opID, Key: "key-" + opID, Kind: store.OpSnapshotCreate, State: store.OpAccepted,
		Owner: owner, Provider: provider, SnapshotID: id}
	if _, _, err := e.db.CreateOperation(e.ctx, op); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.UpdateOperation(e.ctx, opID, func(op *store.Operation) error {
		op.State, op.Ended = store.OpDone, e.clock.Now()
		return nil
	}); err != nil {
		e.t.Fatal(err)
	}
}

// listIDs returns the ids of the snapshots who lists (everyone's with all).
func (e *env) listIDs(who string, all bool) []string {
	e.t.Helper()
	r, err := e.handle("", caller(who), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list", All: all}).Followup(e.ctx)
	if err != nil {
		e.t.Fatalf("snapshot list by %s: %v", who, err)
	}
	var ids []string
	for _, sn := range r.Snapshots {
		ids = append(ids, sn.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestSnapshotCreateLabelsTheOwner checks that snapshot create and down
// --snapshot record their maker on the snapshot at the cloud, with the
// operation that made it.
func TestSnapshotCreateLabelsTheOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up(caller(alice), "box")
	made := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"})
	e.up(caller(bob), "other")
	down := e.run(caller(bob), grammar.Command{Verb: grammar.VerbDown, Name: "other", WithSnapshot: true})
	if made.State != store.OpDone || down.State != store.OpDone || down.SnapshotID == "" {
		t.Fatalf("snapshot create = %s (%s), down --snapshot = %s (%s) with %q; want both done with a snapshot",
			made.State, made.Error, down.State, down.Error, down.SnapshotID)
	}
	list, err := e.cloud.ListSnapshots(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{made.SnapshotID: alice, down.SnapshotID: bob}
	for _, sn := range list {
		if sn.Owner != want[sn.ID] {
			t.Errorf("snapshot %s at the cloud has owner %q, want %q", sn.ID, sn.Owner, want[sn.ID])
		}
	}
	if len(list) != 2 {
		t.Errorf("cloud snapshots = %+v, want 2", list)
	}
}

// TestSnapshotOwnerLabelFirst checks that a snapshot's owner label decides
// who may list, boot and delete it, with no journal record of its making
// (pruned) and over a journal that says otherwise; and that a snapshot
// without a label (made before owners were labelled) falls back to the
// journal.
func TestSnapshotOwnerLabelFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	labelled := e.snapshotAtCloud(in, "spuff-box-labelled", map[string]string{providers.LabelOwner: alice, providers.LabelOp: "gone"})
	disputed := e.snapshotAtCloud(in, "spuff-box-disputed", map[string]string{providers.LabelOwner: alice})
	e.journalSnapshot("stale", mallory, "demo", disputed) // the label wins
	old := e.snapshotAtCloud(in, "spuff-box-old", nil)
	e.journalSnapshot("old", bob, "demo", old)
	orphan := e.snapshotAtCloud(in, "spuff-box-orphan", nil) // neither label nor journal: nobody's

	if got, want := e.listIDs(alice, false), sorted(labelled, disputed); !slices.Equal(got, want) {
		t.Errorf("alice's snapshots = %v, want %v", got, want)
	}
	if got, want := e.listIDs(bob, false), []string{old}; !slices.Equal(got, want) {
		t.Errorf("bob's snapshots = %v, want %v", got, want)
	}
	if got := e.listIDs(mallory, false); len(got) != 0 {
		t.Errorf("mallory's snapshots = %v, want none (the label beats the journal)", got)
	}

	for i, tt := range []struct {
		who, ref string
		booted   bool
	}{
		{alice, "box-labelled", true},
		{mallory, "box-disputed", false},
		{bob, "box-old", true},
		{alice, "box-old", false},
		{alice, "box-orphan", false},
	} {
		op := e.run(caller(tt.who), grammar.Command{Verb: grammar.VerbUp, Name: "copy" + string(rune('a'+i)), Snapshot: tt.ref})
		if got := op.State == store.OpDone; got != tt.booted {
			t.Errorf("%s booting %s: %s (%s), want booted %v", tt.who, tt.ref, op.State, op.Error, tt.booted)
		}
	}

	// Deleting: mallory's delete of the disputed snapshot is refused at
	// accept (the journal names her) but the run reads the label; alice
	// may delete what her label names although the journal knows nothing.
	r := e.handle("", caller(mallory), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: disputed})
	e.svc.Run(e.ctx, r.Op.ID)
	if op := e.op(r.Op.ID); op.State != store.OpFailed {
		t.Errorf("mallory deleting alice's labelled snapshot: %s, want failed", op.State)
	} else {
		wantContains(t, "Error", op.Error, "`"+disputed+"`", "@"+alice)
	}
	if op := e.run(caller(mallory), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: labelled}); op.State != store.OpFailed {
		t.Errorf("mallory deleting %s: %s, want failed", labelled, op.State)
	}
	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: orphan}); op.State != store.OpFailed {
		t.Errorf("alice deleting the orphan %s: %s, want failed", orphan, op.State)
	} else {
		wantContains(t, "Error", op.Error, "no snapshot `"+orphan+"`")
	}
	// The look at the cloud goes through an unclear answer.
	e.cloud.SetFailNext(demo.OpListSnapshots, &providers.Error{Provider: "demo", Op: "list snapshots",
		Kind: providers.ErrUnknownOutcome, Message: "502 Bad Gateway"})
	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "delete", ID: labelled}); op.State != store.OpDone || op.Provider != "demo" {
		t.Errorf("alice deleting her labelled %s: %s (%s) on %q, want done on demo", labelled, op.State, op.Error, op.Provider)
	}
	if got, want := e.listIDs(alice, false), []string{disputed}; !slices.Equal(got, want) {
		t.Errorf("alice's snapshots after her delete = %v, want %v", got, want)
	}
}

// TestPruneKeepsOnlyUnlabelledSnapshotMakers checks that past the
// journal's retention Prune keeps the operation that made a snapshot only
// while that snapshot exists without an owner label (or its cloud is not
// at hand), and that every owner is still known afterwards.
func TestPruneKeepsOnlyUnlabelledSnapshotMakers(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	e := newEnv(t, withConfig(func(c *Config) { c.JournalRetention = 30 * day }))
	in := e.up(caller(alice), "box")
	labelled := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box", Label: "new"})
	old := e.snapshotAtCloud(in, "spuff-box-old", nil)
	e.journalSnapshot("old", alice, "demo", old)
	e.journalSnapshot("gone", alice, "demo", "demo-snap-999")
	e.journalSnapshot("elsewhere", alice, "retired-cloud", "snap-1")
	e.clock.Advance(31 * day)

	if _, err := e.svc.Prune(e.ctx); err != nil {
		t.Fatalf("Prune() = %v", err)
	}
	ops, err := e.db.ListOperations(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, op := range ops {
		ids = append(ids, op.ID)
	}
	slices.Sort(ids)
	if want := []string{"elsewhere", "old"}; !slices.Equal(ids, want) {
		t.Errorf("operations after Prune = %v, want %v (the labelled snapshot's maker %s pruned)", ids, want, labelled.ID)
	}
	if got, want := e.listIDs(alice, false), sorted(labelled.SnapshotID, old); !slices.Equal(got, want) {
		t.Errorf("alice's snapshots after Prune = %v, want %v", got, want)
	}
}

func sorted(ss ...string) []string {
	slices.Sort(ss)
	return ss
}
