package commands

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// ofKind returns every event of kind, whatever its operation, in order.
func (r *recorder) ofKind(kind EventKind) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, ev := range r.events {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}

// reap runs one Reap pass and fails the test on an error.
func (e *env) reap() ReapReport {
	e.t.Helper()
	rep, err := e.svc.Reap(e.ctx)
	if err != nil {
		e.t.Fatalf("Reap() error = %v", err)
	}
	return rep
}

// lease clicks a lease button and fails the test on an error.
func (e *env) lease(name, actor string, action LeaseAction, key string) Reply {
	e.t.Helper()
	r, err := e.svc.Lease(e.ctx, name, actor, action, key)
	if err != nil {
		e.t.Fatalf("Lease(%s, %s, %s) = %v, want no error", name, actor, action, err)
	}
	return r
}

// The default lease is 8h and the warning comes 30m before its end.
func TestLeaseWarningOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	if _, err := e.svc.AttachThread(e.ctx, in.OpID, general, "1700000000.000100"); err != nil {
		t.Fatalf("AttachThread: %v", err)
	}
	warnAt := in.LeaseExpiry.Add(-30 * time.Minute)
	steps := []struct {
		to   time.Time
		want []string // warned in the pass
	}{
		{in.Created, nil},
		{warnAt.Add(-time.Second), nil},
		{warnAt, []string{"box"}},
		{warnAt, nil},
		{warnAt.Add(10 * time.Minute), nil},
	}
	for _, st := range steps {
		e.clock.Advance(st.to.Sub(e.clock.Now()))
		if got := e.reap().Warned; !cmp.Equal(got, st.want) {
			t.Errorf("Reap() at %s warned %v, want %v", st.to.Format(time.TimeOnly), got, st.want)
		}
	}
	warnings := e.rec.ofKind(EventLeaseWarning)
	if len(warnings) != 1 {
		t.Fatalf("lease warnings = %d, want exactly 1", len(warnings))
	}
	ev := warnings[0]
	if ev.Instance == nil || ev.Instance.Name != "box" || ev.Instance.Owner != alice || !ev.Instance.WarnedAt.Equal(warnAt) {
		t.Errorf("warning instance = %+v, want box of alice warned at %s", ev.Instance, warnAt)
	}
	if ev.Op.ID != in.OpID || ev.Op.ThreadTS != "1700000000.000100" || ev.Op.Channel != general {
		t.Errorf("warning op = %s in %s/%s, want the up %s in its thread", ev.Op.ID, ev.Op.Channel, ev.Op.ThreadTS, in.OpID)
	}
	wantContains(t, "Detail", ev.Detail, "`box`", "in 30m")
	if got := e.instance("box").WarnedAt; !got.Equal(warnAt) {
		t.Errorf("WarnedAt = %s, want %s", got, warnAt)
	}
}

func TestLeaseExtendResetsWarning(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.clock.Advance(in.LeaseExpiry.Sub(e.clock.Now()) - 20*time.Minute)
	e.reap()
	r := e.lease("box", alice, LeaseExtend, "card-1/extend")
	if r.Duplicate || r.Op != nil {
		t.Errorf("Lease(extend) = %+v, want a first click without an operation to run", r)
	}
	got := e.instance("box")
	if want := in.LeaseExpiry.Add(2 * time.Hour); !got.LeaseExpiry.Equal(want) || !got.WarnedAt.IsZero() {
		t.Errorf("after extend: expiry %s, warned %s; want %s and no warning", got.LeaseExpiry, got.WarnedAt, want)
	}
	wantContains(t, "reply", r.Text, "`box` now runs until")
	ev := e.rec.ofKind(EventExtended)
	if len(ev) != 1 || ev[0].Actor != alice || ev[0].Instance.Name != "box" {
		t.Errorf("extended events = %+v, want one by alice for box", ev)
	}

	// The same click again changes nothing.
	r = e.lease("box", alice, LeaseExtend, "card-1/extend")
	if !r.Duplicate {
		t.Errorf("second click = %+v, want Duplicate", r)
	}
	if again := e.instance("box"); !again.LeaseExpiry.Equal(got.LeaseExpiry) {
		t.Errorf("second click moved the lease to %s, want %s", again.LeaseExpiry, got.LeaseExpiry)
	}

	// The new lease is warned about in its turn, once.
	if rep := e.reap(); len(rep.Warned) != 0 {
		t.Errorf("Reap() right after extend warned %v", rep.Warned)
	}
	e.clock.Advance(got.LeaseExpiry.Add(-30 * time.Minute).Sub(e.clock.Now()))
	if rep := e.reap(); !cmp.Equal(rep.Warned, []string{"box"}) {
		t.Errorf("Reap() at the new warning time warned %v, want [box]", rep.Warned)
	}
	if n := len(e.rec.ofKind(EventLeaseWarning)); n != 2 {
		t.Errorf("lease warnings = %d, want 2 (one per lease)", n)
	}
}

func TestLeaseRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	in := e.up(caller(alice), "box")
	e.up(caller(bob), "gone")
	e.run(caller(bob), grammar.Command{Verb: grammar.VerbDown, Name: "gone"})
	tests := []struct {
		name   string
		box    string
		actor  string
		action LeaseAction
		want   string
	}{
		{"not the owner extends", "box", mallory, LeaseExtend, "only its owner or an admin"},
		{"not the owner destroys", "box", mallory, LeaseDestroy, "only its owner or an admin"},
		{"owner of another", "box", bob, LeaseSnapshotDestroy, "only its owner or an admin"},
		{"destroyed", "gone", bob, LeaseExtend, "`gone` is already gone"},
		{"destroyed, destroy", "gone", bob, LeaseDestroy, "`gone` is already gone"},
		{"never existed", "nope", alice, LeaseDestroy, "`nope` is already gone"},
		{"unknown action", "box", alice, "reboot", "unknown lease action"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Lease(e.ctx, tt.box, tt.actor, tt.action, "key-"+tt.name)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("Lease(%s, %s, %s) = %v, want a refusal", tt.box, tt.actor, tt.action, err)
			}
			wantContains(t, "refusal", ue.Error(), tt.want)
		})
	}
	if got := e.instance("box"); !got.LeaseExpiry.Equal(in.LeaseExpiry) || got.Status != store.InstanceReady {
		t.Errorf("box after refused clicks = %s until %s, want unchanged", got.Status, got.LeaseExpiry)
	}
	// An admin may click on anyone's.
	if r := e.lease("box", root, LeaseExtend, "admin"); r.Duplicate {
		t.Errorf("admin extend = %+v, want done", r)
	}
}

func TestLeaseDestroyOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	first := e.lease("box", alice, LeaseDestroy, "card-1/destroy")
	if first.Op == nil || first.Duplicate || first.Op.Kind != store.OpDown {
		t.Fatalf("Lease(destroy) = %+v, want a down operation", first)
	}
	// Clicked again before it ran, on the same card or another.
	for _, key := range []string{"card-1/destroy", "card-2/destroy"} {
		r := e.lease("box", alice, LeaseDestroy, key)
		if !r.Duplicate || r.Op == nil || r.Op.ID != first.Op.ID {
			t.Errorf("second destroy (%s) = %+v, want Duplicate of %s", key, r, first.Op.ID)
		}
	}
	e.svc.Run(e.ctx, first.Op.ID)
	if op := e.op(first.Op.ID); op.State != store.OpDone {
		t.Fatalf("down = %s (%s), want done", op.State, op.Error)
	}
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("box still at the cloud")
	}
	// After it is gone: the same card is a duplicate, any other click says
	// it is gone.
	if r := e.lease("box", alice, LeaseDestroy, "card-1/destroy"); !r.Duplicate {
		t.Errorf("same click after the destroy = %+v, want Duplicate", r)
	}
	_, err := e.svc.Lease(e.ctx, "box", alice, LeaseSnapshotDestroy, "card-3/snap")
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("click after gone = %v, want a refusal", err)
	}
	wantContains(t, "refusal", ue.Msg, "`box` is already gone")
	if got := e.cloud.Calls()[demo.OpDestroyInstance]; got != 1 {
		t.Errorf("DestroyInstance calls = %d, want 1", got)
	}
}

func TestLeaseSnapshotDestroy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	r := e.lease("box", alice, LeaseSnapshotDestroy, "card-1/snapshot-destroy")
	if r.Op == nil {
		t.Fatalf("Lease(snapshot-destroy) = %+v, want an operation", r)
	}
	e.svc.Run(e.ctx, r.Op.ID)
	want := []EventKind{EventAccepted, EventSnapshotting, EventSnapshotCreated, EventDestroying, EventDestroyed}
	if diff := cmp.Diff(want, e.rec.kinds(r.Op.ID)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	snaps, err := e.cloud.ListSnapshots(e.ctx)
	if err != nil || len(snaps) != 1 || snaps[0].ID != e.op(r.Op.ID).SnapshotID {
		t.Errorf("snapshots = %+v, %v; want the one of the operation", snaps, err)
	}
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("box still at the cloud after snapshot & destroy")
	}
}

func TestLeaseExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.up(caller(bob), "other") // same lease, later: expires with box
	if _, err := e.svc.AttachThread(e.ctx, in.OpID, general, "1700000000.000100"); err != nil {
		t.Fatalf("AttachThread: %v", err)
	}
	e.clock.Advance(in.LeaseExpiry.Sub(e.clock.Now()) - time.Second)
	if rep := e.reap(); len(rep.Expired) != 0 {
		t.Fatalf("Reap() a second early expired %v", rep.Expired)
	}
	e.clock.Advance(time.Second)
	rep := e.reap()
	if diff := cmp.Diff([]string{"box", "other"}, rep.Expired); diff != "" {
		t.Errorf("expired (-want +got):\n%s", diff)
	}
	if e.cloudCount() != 0 {
		t.Errorf("instances left at the cloud: %d, want none (deleted, not powered off)", e.cloudCount())
	}
	if got := e.instance("box").Status; got != store.InstanceDestroyed {
		t.Errorf("box is %s, want destroyed", got)
	}
	var ev Event
	for _, x := range e.rec.ofKind(EventExpired) {
		if x.Instance != nil && x.Instance.Name == "box" {
			ev = x
		}
	}
	if ev.Kind != EventExpired {
		t.Fatalf("no expired event for box")
	}
	if ev.Actor != SystemActor || ev.Op.Owner != SystemActor || ev.Op.Kind != store.OpDown || ev.Op.State != store.OpDone {
		t.Errorf("expired event: actor %q, op %s by %q %s; want spuffbot's done down", ev.Actor, ev.Op.Kind, ev.Op.Owner, ev.Op.State)
	}
	if ev.Op.ThreadTS != "1700000000.000100" {
		t.Errorf("expiry thread = %q, want the instance's", ev.Op.ThreadTS)
	}
	wantContains(t, "Detail", ev.Detail, "lease ended")
	if diff := cmp.Diff([]EventKind{EventAccepted, EventDestroying, EventExpired}, e.rec.kinds(ev.Op.ID)); diff != "" {
		t.Errorf("expiry events (-want +got):\n%s", diff)
	}
	if rep := e.reap(); len(rep.Expired)+len(rep.Warned) != 0 {
		t.Errorf("second Reap() = %+v, want nothing to do", rep)
	}
}

// A destroy that fails at expiry leaves the instance tracked and is tried
// again after a pause, not every pass.
func TestLeaseExpiryRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.clock.Advance(in.LeaseExpiry.Sub(e.clock.Now()))
	e.cloud.SetFailNext(demo.OpDestroyInstance, errSome)
	if rep := e.reap(); !cmp.Equal(rep.Failed, []string{"box"}) {
		t.Fatalf("Reap() with a failing destroy = %+v, want box failed", rep)
	}
	if got := e.instance("box").Status; got != store.InstanceReady || e.atCloud(in.CloudID) == nil {
		t.Errorf("box after a failed expiry = %s, want still ready and at the cloud", got)
	}
	if rep := e.reap(); len(rep.Expired)+len(rep.Failed) != 0 {
		t.Errorf("Reap() right after the failure = %+v, want it to wait", rep)
	}
	e.clock.Advance(expiryRetry)
	if rep := e.reap(); !cmp.Equal(rep.Expired, []string{"box"}) {
		t.Errorf("Reap() after the pause = %+v, want box expired", rep)
	}
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("box still at the cloud")
	}
}
