package commands

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

func TestDown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		actor string
	}{
		{"owner", alice},
		{"admin", root},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
			in := e.up(caller(alice), "box")
			r := e.handle("env-down", caller(tt.actor), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
			wantContains(t, "reply text", r.Text, "`box`")
			e.svc.Run(e.ctx, r.Op.ID)

			want := []EventKind{EventAccepted, EventDestroying, EventDestroyed}
			if diff := cmp.Diff(want, e.rec.kinds(r.Op.ID)); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
			ev := e.rec.last(t, r.Op.ID, EventDestroyed)
			if string(ev.Actor) != tt.actor {
				t.Errorf("destroyed event Actor = %q, want %q", ev.Actor, tt.actor)
			}
			if ev.Instance == nil || ev.Instance.Status != store.InstanceDestroyed || ev.Instance.Owner != alice {
				t.Errorf("destroyed event instance = %+v, want alice's, destroyed", ev.Instance)
			}
			if at := e.atCloud(in.CloudID); at != nil {
				t.Errorf("cloud still has %s after down: %+v", in.CloudID, at)
			}
			if got := e.instance("box").Status; got != store.InstanceDestroyed {
				t.Errorf("stored status = %s, want destroyed", got)
			}
			if op := e.op(r.Op.ID); op.State != store.OpDone {
				t.Errorf("down op = %s (%s), want done", op.State, op.Error)
			}

			// Slack redelivers the command: nothing new happens.
			again, err := e.svc.Handle(e.ctx, "env-down", caller(tt.actor), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
			if err != nil || !again.Duplicate || again.Op.ID != r.Op.ID {
				t.Errorf("redelivered down = %+v, %v; want Duplicate of %s", again, err, r.Op.ID)
			}
			// The name is free again.
			e.up(caller(bob), "box")
		})
	}
}

func TestDownRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		actor string
		cmd   grammar.Command
		msg   []string
	}{
		{"not the owner", mallory, grammar.Command{Verb: grammar.VerbDown, Name: "box"},
			[]string{"`box`", "belongs to @" + alice, "only its owner or an admin can destroy it"}},
		{"approver is no admin", bob, grammar.Command{Verb: grammar.VerbDown, Name: "box"},
			[]string{"@" + alice}},
		{"unknown name", alice, grammar.Command{Verb: grammar.VerbDown, Name: "nope"},
			[]string{"no running instance named `nope`"}},
		{"destroyed", alice, grammar.Command{Verb: grammar.VerbDown, Name: "gone"},
			[]string{"no running instance named `gone`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *Config) { c.Admins, c.Approvers = []string{root}, []string{bob} }))
			in := e.up(caller(alice), "box")
			e.up(caller(alice), "gone")
			e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "gone"})
			ue := e.refused(caller(tt.actor), tt.cmd)
			wantContains(t, "Msg", ue.Msg, tt.msg...)
			if e.atCloud(in.CloudID) == nil || e.instance("box").Status != store.InstanceReady {
				t.Errorf("box is gone after a refused down")
			}
		})
	}
}

func TestDownWithSnapshot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box", WithSnapshot: true})
	if op.State != store.OpDone || op.SnapshotID == "" {
		t.Fatalf("down --snapshot = %+v, want done with a snapshot id", op)
	}
	want := []EventKind{EventAccepted, EventSnapshotting, EventSnapshotCreated, EventDestroying, EventDestroyed}
	if diff := cmp.Diff(want, e.rec.kinds(op.ID)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if ev := e.rec.last(t, op.ID, EventSnapshotCreated); ev.Snapshot == nil || ev.Snapshot.ID != op.SnapshotID {
		t.Errorf("snapshot event = %+v, want snapshot %s", ev.Snapshot, op.SnapshotID)
	}
	snaps, err := e.cloud.ListSnapshots(e.ctx)
	if err != nil || len(snaps) != 1 || snaps[0].ID != op.SnapshotID || !strings.Contains(snaps[0].Name, "box") {
		t.Errorf("cloud snapshots = %+v, %v; want one of box with id %s", snaps, err, op.SnapshotID)
	}
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("instance still at the cloud after down --snapshot")
	}
	calls := e.cloud.Calls()
	if calls[demo.OpCreateSnapshot] != 1 || calls[demo.OpDestroyInstance] != 1 {
		t.Errorf("calls = %v, want one snapshot and one destroy", calls)
	}
}

func TestDownSnapshotFailureKeepsInstance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.cloud.SetFailNext(demo.OpCreateSnapshot, errSome)
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box", WithSnapshot: true})
	if op.State != store.OpFailed {
		t.Fatalf("down --snapshot with a failing snapshot = %s, want failed", op.State)
	}
	if e.atCloud(in.CloudID) == nil {
		t.Errorf("instance destroyed although its snapshot failed")
	}
	if got := e.instance("box").Status; got != store.InstanceReady {
		t.Errorf("stored status = %s, want still ready", got)
	}
}

func TestExtend(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.DefaultLease, c.MaxLease, c.Admins = 8*time.Hour, 24*time.Hour, []string{root} }))
	e.up(caller(alice), "box")
	start := e.clock.Now()

	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbExtend, Name: "box", TTL: 4 * time.Hour})
	if got := e.instance("box").LeaseExpiry; !got.Equal(start.Add(12 * time.Hour)) {
		t.Errorf("lease after extend 4h = %v, want %v", got, start.Add(12*time.Hour))
	}
	wantContains(t, "reply", r.Text, "`box`", "21:00")
	if strings.Contains(r.Text, "maximum") || len(r.Instances) != 1 {
		t.Errorf("reply = %+v, want one instance and no cap", r)
	}

	e.clock.Advance(time.Hour)
	r = e.handle("", caller(root), grammar.Command{Verb: grammar.VerbExtend, Name: "box", TTL: 48 * time.Hour})
	want := e.clock.Now().Add(24 * time.Hour)
	if got := e.instance("box").LeaseExpiry; !got.Equal(want) {
		t.Errorf("lease after extend 48h = %v, want the cap %v", got, want)
	}
	wantContains(t, "reply", r.Text, "maximum lease of 1d from now")

	ue := e.refused(caller(mallory), grammar.Command{Verb: grammar.VerbExtend, Name: "box", TTL: time.Hour})
	wantContains(t, "Msg", ue.Msg, "@"+alice, "extend")

	// An expired lease is extended from now.
	e.clock.Advance(30 * time.Hour)
	e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbExtend, Name: "box", TTL: time.Hour})
	if got := e.instance("box").LeaseExpiry; !got.Equal(e.clock.Now().Add(time.Hour)) {
		t.Errorf("lease after extending an expired one = %v, want now+1h", got)
	}
}

func TestChannelPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.AllowedChannels = []string{"C0DEV", "C0OPS"} }))
	dev := Caller{User: alice, UserName: "alice", Channel: "C0DEV"}
	elsewhere := Caller{User: alice, UserName: "alice", Channel: "C0RANDOM"}
	e.up(dev, "box")

	for _, cmd := range []grammar.Command{
		{Verb: grammar.VerbUp},
		{Verb: grammar.VerbDown, Name: "box"},
		{Verb: grammar.VerbExtend, Name: "box", TTL: time.Hour},
		{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box"},
	} {
		ue := e.refused(elsewhere, cmd)
		wantContains(t, string(cmd.Verb)+" Msg", ue.Msg, "`/spuff "+string(cmd.Verb)+"`", "not allowed in this channel")
		wantContains(t, string(cmd.Verb)+" Hint", ue.Hint, "#C0DEV", "#C0OPS")
	}
	for _, cmd := range []grammar.Command{
		{Verb: grammar.VerbList},
		{Verb: grammar.VerbList, All: true},
		{Verb: grammar.VerbHelp},
		{Verb: grammar.VerbStatus, Name: "box"},
		{Verb: grammar.VerbSizes},
		{Verb: grammar.VerbKey, Sub: "list"},
		{Verb: grammar.VerbSnapshot, Sub: "list"},
	} {
		if _, err := e.svc.Handle(e.ctx, "", elsewhere, cmd); err != nil {
			t.Errorf("Handle(%s) elsewhere = %v, want it allowed", cmd.Verb, err)
		}
	}
	if r := e.handle("", elsewhere, grammar.Command{Verb: grammar.VerbList}); len(r.Instances) != 1 || r.Instances[0].Name != "box" {
		t.Errorf("list elsewhere = %+v, want box", r.Instances)
	}
	if got := e.instance("box").Status; got != store.InstanceReady {
		t.Errorf("box is %s after refused commands, want ready", got)
	}
}
