package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// reconcile runs one Reconcile pass and fails the test on an error.
func (e *env) reconcile() ReconcileReport {
	e.t.Helper()
	rep, err := e.svc.Reconcile(e.ctx)
	if err != nil {
		e.t.Fatalf("Reconcile() error = %v", err)
	}
	return rep
}

// sneakIn creates an instance with spuff's labels at cloud p behind the
// Service's back, as a crashed run or a person with the labels would, and
// returns its id.
func (e *env) sneakIn(p providers.Provider, name string, labels map[string]string) string {
	e.t.Helper()
	in, err := p.CreateInstance(e.ctx, providers.InstanceRequest{Name: name, Region: "demo-eu", Size: "small", Labels: labels})
	if err != nil {
		e.t.Fatalf("CreateInstance(%s) behind the back: %v", name, err)
	}
	return in.ID
}

func orphanIDs(os []Orphan) []string {
	var ids []string
	for _, o := range os {
		ids = append(ids, o.Provider+"/"+o.Instance.ID)
	}
	return ids
}

func TestReconcileDestroyedOutside(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.up(caller(alice), "kept")
	if !e.cloud.Remove(in.CloudID) {
		t.Fatalf("demo Remove(%s) = false", in.CloudID)
	}
	rep := e.reconcile()
	if len(rep.DestroyedOutside) != 1 || rep.DestroyedOutside[0].Name != "box" {
		t.Fatalf("DestroyedOutside = %+v, want box", rep.DestroyedOutside)
	}
	if got := e.instance("box").Status; got != store.InstanceDestroyed {
		t.Errorf("box is %s, want destroyed", got)
	}
	if got := e.instance("kept").Status; got != store.InstanceReady {
		t.Errorf("kept is %s, want still ready", got)
	}
	evs := e.rec.ofKind(EventDestroyedOutside)
	if len(evs) != 1 || evs[0].Instance.Name != "box" || evs[0].Op.ID != in.OpID {
		t.Fatalf("destroyed-outside events = %+v, want one for box in its up's thread", evs)
	}
	wantContains(t, "Detail", evs[0].Detail, "destroyed outside spuffbot")
	if rep := e.reconcile(); len(rep.DestroyedOutside)+len(rep.Orphans) != 0 {
		t.Errorf("second Reconcile() = %+v, want nothing new", rep)
	}
	if n := len(e.rec.ofKind(EventDestroyedOutside)); n != 1 {
		t.Errorf("destroyed-outside events after a second pass = %d, want 1", n)
	}
}

func TestReconcileOrphanReportedOnceAndAdopted(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	e.up(caller(alice), "box")
	e.cloud.AddUnmanaged("not-ours")
	id := e.sneakIn(e.cloud, "stray", map[string]string{providers.LabelOwner: bob})
	e.clock.Advance(90 * time.Minute)

	rep := e.reconcile()
	if diff := cmp.Diff([]string{"demo/" + id}, orphanIDs(rep.Reported)); diff != "" {
		t.Fatalf("reported orphans (-want +got):\n%s", diff)
	}
	o := rep.Reported[0]
	if o.Age != 90*time.Minute || o.PriceHourly <= 0 || o.Instance.Name != "stray" {
		t.Errorf("orphan = %+v, want stray, 90m old, with its price", o)
	}
	evs := e.rec.ofKind(EventOrphan)
	if len(evs) != 1 || evs[0].Orphan == nil || evs[0].Orphan.Instance.ID != id || evs[0].Op.Provider != "demo" {
		t.Fatalf("orphan events = %+v, want one for %s", evs, id)
	}
	rep = e.reconcile()
	if len(rep.Reported) != 0 || len(rep.Orphans) != 1 {
		t.Errorf("second pass: reported %v of %v, want the orphan seen but not reported again", orphanIDs(rep.Reported), orphanIDs(rep.Orphans))
	}
	if n := len(e.rec.ofKind(EventOrphan)); n != 1 {
		t.Errorf("orphan events after two passes = %d, want 1", n)
	}

	if _, err := e.svc.AdoptOrphan(e.ctx, "demo", id, bob, alice); !isUsage(err, "only admins") {
		t.Errorf("AdoptOrphan by a non-admin = %v, want a refusal", err)
	}
	in, err := e.svc.AdoptOrphan(e.ctx, "demo", id, bob, root)
	if err != nil {
		t.Fatalf("AdoptOrphan() = %v", err)
	}
	stored := e.instance(in.Name)
	if stored.Owner != bob || stored.CloudID != id || stored.Status != store.InstanceReady ||
		!stored.LeaseExpiry.Equal(e.clock.Now().Add(8*time.Hour)) || stored.IP == "" {
		t.Errorf("adopted = %+v, want bob's, ready, with its IP and an 8h lease from now", stored)
	}
	if evs := e.rec.ofKind(EventOrphanAdopted); len(evs) != 1 || evs[0].Actor != root || evs[0].Instance.Name != in.Name {
		t.Errorf("adopted events = %+v, want one by root", evs)
	}
	if rep := e.reconcile(); len(rep.Orphans) != 0 {
		t.Errorf("orphans after adoption = %v, want none", orphanIDs(rep.Orphans))
	}
	if _, err := e.svc.AdoptOrphan(e.ctx, "demo", id, bob, root); !isUsage(err, "not an orphan") {
		t.Errorf("second AdoptOrphan = %v, want a refusal", err)
	}
}

func TestDestroyOrphan(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	box := e.up(caller(alice), "box")
	foreign := e.cloud.AddUnmanaged("not-ours")
	id := e.sneakIn(e.cloud, "stray", nil)
	e.reconcile()

	refusals := []struct {
		name, id, actor, want string
	}{
		{"not an admin", id, mallory, "only admins"},
		{"tracked", box.CloudID, root, "not an orphan"},
		{"not spuff's", foreign, root, "does not carry spuff's labels"},
		{"unknown", "demo-999", root, "already gone"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			if err := e.svc.DestroyOrphan(e.ctx, "demo", tt.id, tt.actor); !isUsage(err, tt.want) {
				t.Errorf("DestroyOrphan(%s) by %s = %v, want a refusal with %q", tt.id, tt.actor, err, tt.want)
			}
		})
	}
	if e.atCloud(box.CloudID) == nil || e.atCloud(foreign) == nil || e.atCloud(id) == nil {
		t.Fatalf("a refused DestroyOrphan destroyed something")
	}
	if err := e.svc.DestroyOrphan(e.ctx, "demo", id, root); err != nil {
		t.Fatalf("DestroyOrphan() = %v", err)
	}
	if e.atCloud(id) != nil {
		t.Errorf("orphan still at the cloud")
	}
	if evs := e.rec.ofKind(EventOrphanDestroyed); len(evs) != 1 || evs[0].Actor != root || evs[0].Orphan.Instance.ID != id {
		t.Errorf("orphan-destroyed events = %+v, want one by root", evs)
	}
	if err := e.svc.DestroyOrphan(e.ctx, "demo", id, root); !isUsage(err, "already gone") {
		t.Errorf("second DestroyOrphan = %v, want it to say the VM is gone", err)
	}
}

// An up whose create reached the cloud but is not recorded yet is not an
// orphan: its operation is unfinished.
func TestReconcileUpInFlightIsNoOrphan(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(e *env) (cleanup func())
	}{
		{"created, id not recorded", func(e *env) func() {
			r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
			e.createAtCloud(r.Op.ID)
			return func() {}
		}},
		{"booting", func(e *env) func() {
			e.cloud.SetReadyAfter(time.Hour)
			r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
			e.svc.Start(e.ctx, r.Op.ID)
			waitCloudID(e.t, e, r.Op.ID)
			return func() { e.clock.Advance(time.Hour); e.svc.Wait() }
		}},
		{"labelled by an operation still journaled", func(e *env) func() {
			r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
			e.sneakIn(e.cloud, "box", map[string]string{providers.LabelOp: r.Op.ID})
			return func() {}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			done := tt.setup(e)
			defer done()
			if rep := e.reconcile(); len(rep.Orphans)+len(rep.DestroyedOutside) != 0 {
				t.Errorf("Reconcile() = %+v, want no orphan", rep)
			}
			if n := len(e.rec.ofKind(EventOrphan)); n != 0 {
				t.Errorf("orphan events = %d, want 0", n)
			}
		})
	}
}

func TestReconcileAutoDestroysAfterGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.OrphanGrace = time.Hour }))
	id := e.sneakIn(e.cloud, "stray", nil)
	if rep := e.reconcile(); len(rep.Reported) != 1 || len(rep.AutoDestroyed) != 0 {
		t.Fatalf("young orphan: %+v, want reported, not destroyed", rep)
	}
	e.clock.Advance(59 * time.Minute)
	if rep := e.reconcile(); len(rep.AutoDestroyed) != 0 || e.atCloud(id) == nil {
		t.Fatalf("orphan destroyed before its grace")
	}
	e.clock.Advance(time.Minute)
	rep := e.reconcile()
	if diff := cmp.Diff([]string{"demo/" + id}, orphanIDs(rep.AutoDestroyed)); diff != "" {
		t.Errorf("auto-destroyed (-want +got):\n%s", diff)
	}
	if e.atCloud(id) != nil {
		t.Errorf("orphan still at the cloud after its grace")
	}
	evs := e.rec.ofKind(EventOrphanDestroyed)
	if len(evs) != 1 || evs[0].Actor != SystemActor {
		t.Errorf("orphan-destroyed events = %+v, want one by %s", evs, SystemActor)
	}
}

// One list call per cloud per pass, whatever the number of instances, and
// a cloud that cannot be listed does not stop the others.
func TestReconcileOneListPerCloud(t *testing.T) {
	t.Parallel()
	other := demo.New(demo.Config{})
	e := newEnv(t, func(o *envOptions) { o.extra = map[string]providers.Provider{"other": other} })
	var boxes []*store.Instance
	for _, name := range []string{"box-a", "box-b", "box-c"} {
		boxes = append(boxes, e.up(caller(alice), name))
	}
	e.cloud.Remove(boxes[0].CloudID)
	for range 4 {
		e.sneakIn(e.cloud, "stray", nil)
		e.sneakIn(other, "stray", nil)
	}
	before := map[string]int{"demo": e.cloud.Calls()[demo.OpListInstances], "other": other.Calls()[demo.OpListInstances]}
	rep := e.reconcile()
	if rep.Listed != 2 || len(rep.Orphans) != 8 || len(rep.DestroyedOutside) != 1 {
		t.Errorf("Reconcile() = %d listed, %d orphans, %d gone; want 2, 8, 1", rep.Listed, len(rep.Orphans), len(rep.DestroyedOutside))
	}
	if rep.Instances < len(rep.Orphans) {
		t.Errorf("Reconcile() counted %d instances, fewer than its %d orphans", rep.Instances, len(rep.Orphans))
	}
	after := map[string]int{"demo": e.cloud.Calls()[demo.OpListInstances], "other": other.Calls()[demo.OpListInstances]}
	for name := range before {
		if got := after[name] - before[name]; got != 1 {
			t.Errorf("ListInstances calls at %s in one pass = %d, want 1", name, got)
		}
	}

	other.SetFailNext(demo.OpListInstances, errSome)
	rep, err := e.svc.Reconcile(e.ctx)
	if !errors.Is(err, errSome) || !errors.Is(rep.Errors["other"], errSome) {
		t.Errorf("Reconcile() with other failing = %v (errors %v), want its error", err, rep.Errors)
	}
	if rep.Listed != 1 || len(rep.Orphans) != 4 {
		t.Errorf("the working cloud was not reconciled: %d listed, %d orphans", rep.Listed, len(rep.Orphans))
	}
}

// isUsage reports whether err is a *UsageError containing want.
func isUsage(err error, want string) bool {
	var ue *UsageError
	return errors.As(err, &ue) && strings.Contains(ue.Error(), want)
}

// A new process reports the orphans it finds again: the admins may have
// missed the first report.
func TestReconcileReportsAgainAfterRestart(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	id := e.sneakIn(e.cloud, "stray", nil)
	for i, want := range []int{1, 0} {
		if rep := e.reconcile(); len(rep.Reported) != want {
			t.Errorf("pass %d reported %v, want %d", i, orphanIDs(rep.Reported), want)
		}
	}
	e.restart()
	rep := e.reconcile()
	if diff := cmp.Diff([]string{"demo/" + id}, orphanIDs(rep.Reported)); diff != "" {
		t.Errorf("reported after a restart (-want +got):\n%s", diff)
	}
}

// Background reconciles and reaps as soon as it starts, and returns when
// its context ends.
func TestBackground(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	stray := e.sneakIn(e.cloud, "stray", nil)
	e.clock.Advance(in.LeaseExpiry.Sub(e.clock.Now()))
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Background(ctx)
	}()
	testsync.Until(t, "the first passes", func() bool {
		return len(e.rec.ofKind(EventOrphan)) == 1 && len(e.rec.ofKind(EventExpired)) == 1
	})
	cancel()
	<-done
	if evs := e.rec.ofKind(EventOrphan); evs[0].Orphan.Instance.ID != stray {
		t.Errorf("orphan reported = %s, want %s", evs[0].Orphan.Instance.ID, stray)
	}
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("expired box still at the cloud")
	}
}

// An up whose wait failed and whose destroy failed too leaves a VM that
// nobody waits for: the reconciler makes it an orphan rather than leave
// it billing behind a record that says creating.
func TestReconcileStaleCreatingBecomesOrphan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetFailNext(demo.OpListInstances, &providers.Error{Provider: "demo", Kind: providers.ErrAuth})
	e.cloud.SetFailNext(demo.OpDestroyInstance, errSome)
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	if op.State != store.OpFailed || e.atCloud(op.CloudID) == nil {
		t.Fatalf("setup: op %s, VM at the cloud %v; want failed with the VM left", op.State, e.atCloud(op.CloudID) != nil)
	}
	rep := e.reconcile()
	if diff := cmp.Diff([]string{"demo/" + op.CloudID}, orphanIDs(rep.Reported)); diff != "" {
		t.Errorf("reported orphans (-want +got):\n%s", diff)
	}
	if got := e.instance("box").Status; got != store.InstanceFailed {
		t.Errorf("box is %s, want failed", got)
	}
}
