package commands

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// reset forgets the events recorded so far.
func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// replays returns the events Resume sent again, in order, as "kind op".
func (r *recorder) replays() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		if ev.Replay {
			out = append(out, string(ev.Kind)+" "+ev.Op.ID)
		}
	}
	return out
}

func TestReported(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	if op.Reported || op.Ended.IsZero() {
		t.Fatalf("done up = reported %v, ended %v; want unreported, with an end", op.Reported, op.Ended)
	}
	for range 2 { // twice is harmless
		if err := e.svc.Reported(e.ctx, op.ID); err != nil {
			t.Fatalf("Reported(%s) = %v, want nil", op.ID, err)
		}
	}
	if got := e.op(op.ID); !got.Reported || !got.Ended.Equal(op.Ended) {
		t.Errorf("after Reported: reported %v, ended %v; want true, %v", got.Reported, got.Ended, op.Ended)
	}
	running := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "other"})
	if err := e.svc.Reported(e.ctx, running.Op.ID); err == nil {
		t.Errorf("Reported(%s), an accepted operation, = nil, want an error", running.Op.ID)
	}
	if err := e.svc.Reported(e.ctx, "op-nope"); err == nil {
		t.Errorf("Reported(%q) = nil, want an error", "op-nope")
	}
}

func TestResumeShowsUnreportedFinalEvents(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup leaves the journal as a crash would and returns the ids
		// of the operations whose final event must be shown again.
		setup func(e *env) []string
		want  func(ids []string) []string
	}{
		{
			name:  "up done, not shown",
			setup: func(e *env) []string { return []string{e.up(caller(alice), "box").OpID} },
			want:  func(ids []string) []string { return []string{"ready " + ids[0]} },
		},
		{
			name: "up done and shown",
			setup: func(e *env) []string {
				id := e.up(caller(alice), "box").OpID
				if err := e.svc.Reported(e.ctx, id); err != nil {
					e.t.Fatal(err)
				}
				return nil
			},
		},
		{
			name: "ended more than a day ago",
			setup: func(e *env) []string {
				e.up(caller(alice), "box")
				e.clock.Advance(ReplayWindow + time.Minute)
				return nil
			},
		},
		{
			name: "ended before the journal recorded ends",
			setup: func(e *env) []string {
				id := e.up(caller(alice), "box").OpID
				e.crashAt(id, func(op *store.Operation) { op.Ended = time.Time{} })
				return nil
			},
		},
		{
			name: "nowhere to show it",
			setup: func(e *env) []string {
				id := e.up(caller(alice), "box").OpID
				e.crashAt(id, func(op *store.Operation) { op.Channel, op.ThreadTS = "", "" })
				return nil
			},
		},
		{
			name: "destroyed outside since",
			setup: func(e *env) []string {
				e.up(caller(alice), "box")
				if _, err := e.db.UpdateInstance(e.ctx, "box", func(in *store.Instance) error { in.Status = store.InstanceDestroyed; return nil }); err != nil {
					e.t.Fatal(err)
				}
				return nil
			},
		},
		{
			name: "a down came after: only the down",
			setup: func(e *env) []string {
				e.up(caller(alice), "box")
				e.clock.Advance(time.Second)
				return []string{e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"}).ID}
			},
			want: func(ids []string) []string { return []string{"destroyed " + ids[0]} },
		},
		{
			name: "a snapshot came after: both",
			setup: func(e *env) []string {
				up := e.up(caller(alice), "box").OpID
				e.clock.Advance(time.Second)
				return []string{up, e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"}).ID}
			},
			want: func(ids []string) []string { return []string{"ready " + ids[0], "snapshot-created " + ids[1]} },
		},
		{
			name: "failed",
			setup: func(e *env) []string {
				e.cloud.SetFailNext(demo.OpCreateInstance, errSome)
				return []string{e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"}).ID}
			},
			want: func(ids []string) []string { return []string{"failed " + ids[0]} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ids := tt.setup(e)
			var want []string
			if tt.want != nil {
				want = tt.want(ids)
			}
			e.rec = &recorder{}
			e.resume(0)
			if diff := cmp.Diff(want, e.rec.replays()); diff != "" {
				t.Errorf("final events shown again (-want +got):\n%s", diff)
			}
			// Once per process: a second Resume shows nothing again.
			e.rec.reset()
			if _, err := e.svc.Resume(e.ctx); err != nil {
				t.Fatal(err)
			}
			if got := e.rec.replays(); len(got) != 0 {
				t.Errorf("second Resume showed %q again, want nothing", got)
			}
		})
	}
}

func TestReplayedEventsAreRebuiltFromTheJournal(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.clock.Advance(time.Second)
	snap := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box", Label: "pre"})
	e.rec = &recorder{}
	e.resume(0)

	ready := e.rec.last(t, in.OpID, EventReady)
	if !ready.Replay || ready.Instance == nil || ready.Instance.IP != in.IP || ready.Op.State != store.OpDone || !ready.Final() {
		t.Errorf("replayed ready = %+v, want a final replay with the instance's IP %s", ready, in.IP)
	}
	created := e.rec.last(t, snap.ID, EventSnapshotCreated)
	if created.Snapshot == nil || created.Snapshot.ID != snap.SnapshotID || created.Snapshot.Name != "spuff-box-pre" {
		t.Errorf("replayed snapshot = %+v, want %s named spuff-box-pre", created.Snapshot, snap.SnapshotID)
	}

	// A lease that ended: the reaper's down ends with EventExpired.
	e.rec = &recorder{}
	e.clock.Advance(9 * time.Hour)
	if _, err := e.svc.Reap(e.ctx); err != nil {
		t.Fatal(err)
	}
	ops, err := e.db.ListOperations(e.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	var downID string
	for _, op := range ops {
		if op.Kind == store.OpDown && op.Owner == SystemActor && op.State == store.OpDone {
			downID = op.ID
		}
	}
	if downID == "" {
		t.Fatalf("Reap ended no lease: %+v", ops)
	}
	e.rec = &recorder{}
	e.resume(0)
	expired := e.rec.last(t, downID, EventExpired)
	if !expired.Replay || expired.Actor != SystemActor || expired.Detail == "" {
		t.Errorf("replayed expiry = %+v, want by %s with a detail", expired, SystemActor)
	}
}

func TestResumeAdoptsTheSnapshotMadeBeforeACrash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		own  bool // the crashed run's snapshot call reached the cloud
		// other: an earlier operation journaled a snapshot of the same name.
		other   bool
		creates int // CreateSnapshot calls by the resumed run
	}{
		{name: "made", own: true, creates: 0},
		{name: "never made", creates: 1},
		{name: "only another operation's", other: true, creates: 1},
		{name: "made, and another operation's", own: true, other: true, creates: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			in := e.up(caller(alice), "box")
			var other string
			if tt.other {
				other = e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"}).SnapshotID
			}
			r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"})
			e.crashAt(r.Op.ID, func(op *store.Operation) { op.State, op.Step = store.OpRunning, stepSnapshotting })
			var own string
			if tt.own {
				s, err := e.cloud.CreateSnapshot(e.ctx, providers.SnapshotRequest{InstanceID: in.CloudID, Name: "spuff-box"})
				if err != nil {
					t.Fatal(err)
				}
				own = s.ID
			}
			before := e.cloud.Calls()[demo.OpCreateSnapshot]

			e.resume(1)

			if got := e.cloud.Calls()[demo.OpCreateSnapshot] - before; got != tt.creates {
				t.Errorf("CreateSnapshot calls by the resumed run = %d, want %d", got, tt.creates)
			}
			op := e.op(r.Op.ID)
			if op.State != store.OpDone || op.SnapshotID == "" || op.SnapshotID == other || (own != "" && op.SnapshotID != own) {
				t.Errorf("resumed op = %s (%s) with snapshot %q; want done with its own (%q), not %q", op.State, op.Error, op.SnapshotID, own, other)
			}
			snaps, err := e.cloud.ListSnapshots(e.ctx)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{false: 1, true: 2}[tt.other]; len(snaps) != want {
				t.Errorf("%d snapshots at the cloud, want %d", len(snaps), want)
			}
		})
	}
}

func TestEventFinal(t *testing.T) {
	t.Parallel()
	done := store.Operation{ID: "op-1", Kind: store.OpUp, State: store.OpDone}
	running := store.Operation{ID: "op-2", Kind: store.OpDown, State: store.OpRunning}
	tests := []struct {
		name string
		ev   Event
		want bool
	}{
		{"ready", Event{Kind: EventReady, Op: done}, true},
		{"failed", Event{Kind: EventFailed, Op: store.Operation{ID: "op-3", State: store.OpFailed}}, true},
		{"snapshot before a destroy", Event{Kind: EventSnapshotCreated, Op: running}, false},
		{"lease warning about a finished up", Event{Kind: EventLeaseWarning, Op: done}, false},
		{"destroyed outside", Event{Kind: EventDestroyedOutside, Op: done}, false},
		{"orphan", Event{Kind: EventOrphanDestroyed, Op: store.Operation{State: store.OpDone}, Orphan: &Orphan{}}, false},
		{"made-up operation", Event{Kind: EventReady, Op: store.Operation{State: store.OpDone}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.ev.Final(); got != tt.want {
				t.Errorf("Event{%s, op %q %s}.Final() = %v, want %v", tt.ev.Kind, tt.ev.Op.ID, tt.ev.Op.State, got, tt.want)
			}
		})
	}
}
