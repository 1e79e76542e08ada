package commands

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// idlePolicy is the policy of the idle tests: the documented defaults.
var testIdlePolicy = IdlePolicy{After: time.Hour, CheckEvery: 5 * time.Minute, Grace: 30 * time.Minute}

func newIdleEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, withConfig(func(c *Config) { c.Idle = testIdlePolicy }))
}

// checkIdle runs one CheckIdle pass and fails the test on an error.
func (e *env) checkIdle() IdleReport {
	e.t.Helper()
	rep, err := e.svc.CheckIdle(e.ctx)
	if err != nil {
		e.t.Fatalf("CheckIdle() error = %v", err)
	}
	return rep
}

// runIdle moves the clock by CheckEvery and runs a pass, until d has
// passed, and returns the minutes (since start) of each pass that did
// something to name, by what it did.
func (e *env) runIdle(name string, d time.Duration) map[string][]int {
	e.t.Helper()
	start := e.clock.Now()
	got := map[string][]int{}
	for e.clock.Now().Sub(start) < d {
		e.clock.Advance(testIdlePolicy.CheckEvery)
		rep := e.checkIdle()
		min := int(e.clock.Now().Sub(start) / time.Minute)
		for what, names := range map[string][]string{"warned": rep.Warned, "cancelled": rep.Cancelled, "destroyed": rep.Destroyed} {
			if slices.Contains(names, name) {
				got[what] = append(got[what], min)
			}
		}
	}
	return got
}

func (e *env) setLoad(in *store.Instance, l demo.Load, always bool) {
	e.t.Helper()
	since := e.clock.Now()
	if always {
		since = time.Time{}
	}
	if !e.cloud.SetLoadSince(in.CloudID, l, since) {
		e.t.Fatalf("SetLoadSince(%s): no such instance", in.CloudID)
	}
}

func TestIdleWarnsOnceThenDestroys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		load *demo.Load // nil: the demo's idle load from the start
		want map[string][]int
	}{
		{"idle is warned at 60m and destroyed at 90m", nil, map[string][]int{"warned": {60}, "destroyed": {90}}},
		{"busy is never warned", &demo.BusyLoad, map[string][]int{}},
		{"CPU busy, network quiet", &demo.Load{CPUPercent: 50, NetInBps: 10}, map[string][]int{}},
		{"CPU quiet, network busy", &demo.Load{CPUPercent: 0.1, NetInBps: 8_000, NetOutBps: 4_000}, map[string][]int{}},
		{"no metrics is never idle", &demo.Load{NoData: true}, map[string][]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newIdleEnv(t)
			in := e.up(caller(alice), "box")
			if tt.load != nil {
				e.setLoad(in, *tt.load, true)
			}
			got := e.runIdle("box", 4*time.Hour)
			if !mapsEqual(got, tt.want) {
				t.Fatalf("idle passes over 4h = %v, want %v", got, tt.want)
			}
			warnings := e.rec.ofKind(EventIdleWarning)
			if len(tt.want["warned"]) != len(warnings) {
				t.Fatalf("%d EventIdleWarning, want %d", len(warnings), len(tt.want["warned"]))
			}
			if len(warnings) == 0 {
				if e.cloudCount() != 1 {
					t.Errorf("%d instances at the cloud, want the one left alone", e.cloudCount())
				}
				if tt.load != nil && tt.load.NoData && !e.instance("box").Idle.NoMetrics {
					t.Errorf("Idle.NoMetrics = false for an instance without metrics, want true")
				}
				return
			}
			w := warnings[0].Instance.Idle
			if want := in.Created.Add(90 * time.Minute); !w.Deadline.Equal(want) {
				t.Errorf("warning deadline = %v, want %v", w.Deadline, want)
			}
			wantContains(t, "warning", warnings[0].Detail, "CPU 0.3% avg", "network 0.4 kB/s", "last 1h")
			gone := e.rec.ofKind(EventIdleDestroyed)
			if len(gone) != 1 {
				t.Fatalf("%d EventIdleDestroyed, want 1", len(gone))
			}
			// 8h lease, destroyed 1h30 in: 6.5h of the price saved.
			wantContains(t, "destroyed", gone[0].Detail, "CPU 0.3% avg", "$0.05")
			if st := e.instance("box").Status; st != store.InstanceDestroyed || e.cloudCount() != 0 {
				t.Errorf("after the grace: status %s, %d at the cloud; want destroyed and none", st, e.cloudCount())
			}
		})
	}
}

func mapsEqual(a, b map[string][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestIdleActivityReturnsCancels(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	in := e.up(caller(alice), "box")
	e.clock.Advance(time.Hour)
	if rep := e.checkIdle(); !slices.Contains(rep.Warned, "box") {
		t.Fatalf("CheckIdle() at 60m warned %v, want box", rep.Warned)
	}
	e.setLoad(in, demo.BusyLoad, false)
	got := e.runIdle("box", 20*time.Minute)
	if !mapsEqual(got, map[string][]int{"cancelled": {5}}) {
		t.Fatalf("idle passes after activity returned = %v, want cancelled at 5m only", got)
	}
	if len(e.rec.ofKind(EventIdleCancelled)) != 1 || !e.instance("box").Idle.WarnedAt.IsZero() {
		t.Fatalf("want one EventIdleCancelled and no warning pending")
	}
	// Forgotten again: a new warning an hour later, and the grace counts
	// from it.
	e.setLoad(in, demo.IdleLoad, false)
	got = e.runIdle("box", 2*time.Hour)
	if !mapsEqual(got, map[string][]int{"warned": {60}, "destroyed": {90}}) {
		t.Fatalf("idle passes after it went idle again = %v, want warned at 60m, destroyed at 90m", got)
	}
}

func TestIdleKeep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action    IdleAction
		wantQuiet time.Duration // how long no pass reads its metrics
	}{
		{IdleKeep, 2 * time.Hour},
		{IdleKeepLease, 7 * time.Hour}, // the lease ends 8h after create, kept at 1h
	}
	for _, tt := range tests {
		t.Run(string(tt.action), func(t *testing.T) {
			t.Parallel()
			e := newIdleEnv(t)
			e.up(caller(alice), "box")
			e.clock.Advance(time.Hour)
			e.checkIdle()
			if _, err := e.svc.Idle(e.ctx, "box", mallory, tt.action, "k/mallory"); !errors.As(err, new(*UsageError)) {
				t.Fatalf("Idle(%s) by someone else = %v, want a refusal", tt.action, err)
			}
			r, err := e.svc.Idle(e.ctx, "box", alice, tt.action, "k/1")
			if err != nil || r.Duplicate {
				t.Fatalf("Idle(%s) = %+v, %v; want it kept", tt.action, r, err)
			}
			if again, err := e.svc.Idle(e.ctx, "box", alice, tt.action, "k/1"); err != nil || !again.Duplicate {
				t.Fatalf("Idle(%s) again with the same key = %+v, %v; want a duplicate", tt.action, again, err)
			}
			if n := len(e.rec.ofKind(EventIdleKept)); n != 1 {
				t.Errorf("%d EventIdleKept, want 1", n)
			}
			calls := e.cloud.Calls()[demo.OpActivity]
			start := e.clock.Now()
			for e.clock.Now().Sub(start) < tt.wantQuiet-testIdlePolicy.CheckEvery {
				e.clock.Advance(testIdlePolicy.CheckEvery)
				if rep := e.checkIdle(); len(rep.Checked) != 0 {
					t.Fatalf("CheckIdle() %v after Keep checked %v, want nothing checked", e.clock.Now().Sub(start), rep.Checked)
				}
			}
			if got := e.cloud.Calls()[demo.OpActivity]; got != calls {
				t.Errorf("metrics calls while kept = %d, want none", got-calls)
			}
			if tt.action == IdleKeep {
				got := e.runIdle("box", time.Hour)
				if !mapsEqual(got, map[string][]int{"warned": {5}, "destroyed": {35}}) {
					t.Errorf("passes after the keep ended = %v, want warned at its first pass and destroyed a grace later", got)
				}
			}
		})
	}
}

func TestIdleFailSafe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		breakIt func(e *env, in *store.Instance)
	}{
		{"metrics stop after the warning", func(e *env, in *store.Instance) { e.setLoad(in, demo.Load{NoData: true}, false) }},
		{"metrics API fails", func(e *env, in *store.Instance) {
			for range 20 {
				e.cloud.SetFailNext(demo.OpActivity, errors.New("monitoring: 503"))
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newIdleEnv(t)
			in := e.up(caller(alice), "box")
			e.clock.Advance(time.Hour)
			e.checkIdle()
			tt.breakIt(e, in)
			got := e.runIdle("box", 90*time.Minute)
			if len(got) != 0 {
				t.Fatalf("passes without metrics = %v, want nothing done", got)
			}
			if e.cloudCount() != 1 || e.instance("box").Status != store.InstanceReady {
				t.Fatalf("the instance is gone without metrics saying it was idle")
			}
			if got := e.instance("box").Idle; !got.NoMetrics || got.WarnedAt.IsZero() {
				t.Errorf("idle record %+v, want \"no metrics\" shown and the warning left pending", got)
			}
		})
	}
}

func TestIdleRestartBetweenWarningAndDeadline(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	e.up(caller(alice), "box")
	e.clock.Advance(time.Hour)
	e.checkIdle()
	e.restart()
	got := e.runIdle("box", time.Hour)
	if !mapsEqual(got, map[string][]int{"destroyed": {30}}) {
		t.Fatalf("passes after a restart = %v, want destroyed at the deadline and no new warning", got)
	}
	if n := len(e.rec.ofKind(EventIdleWarning)); n != 1 {
		t.Errorf("%d EventIdleWarning across the restart, want 1", n)
	}
}

func TestIdleWarningJournaledButNotSent(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	e.up(caller(alice), "box")
	e.clock.Advance(time.Hour)
	e.checkIdle()
	// A crash came between the journal and the send.
	if _, err := e.db.UpdateInstance(e.ctx, "box", func(in *store.Instance) error { in.Idle.Sent = false; return nil }); err != nil {
		t.Fatal(err)
	}
	e.restart()
	for range 3 {
		e.clock.Advance(time.Minute)
		e.checkIdle()
	}
	if n := len(e.rec.ofKind(EventIdleWarning)); n != 2 {
		t.Errorf("%d EventIdleWarning, want the one lost to the crash sent once more", n)
	}
}

func TestIdleOneMetricsCallPerCloud(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	for _, name := range []string{"a", "b", "c"} {
		e.up(caller(alice), name)
	}
	e.clock.Advance(time.Hour)
	before := e.cloud.Calls()[demo.OpActivity]
	rep := e.checkIdle()
	if len(rep.Checked) != 3 || rep.Calls["demo"] != 1 || e.cloud.Calls()[demo.OpActivity]-before != 1 {
		t.Fatalf("CheckIdle() over 3 instances: checked %v with %v calls, want 3 in 1 call", rep.Checked, rep.Calls)
	}
}

func TestIdleChannelOverride(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) {
		c.Idle = testIdlePolicy
		c.IdleChannels = map[string]IdlePolicy{general: {Off: true}}
	}))
	e.up(caller(alice), "box")
	if got := e.runIdle("box", 3*time.Hour); len(got) != 0 {
		t.Fatalf("passes with the channel's checks off = %v, want none", got)
	}
}

// A VM younger than After is read, so that status shows its figures, but
// never judged idle.
func TestIdleYoungVMMeasuredNotJudged(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	in := e.up(caller(alice), "box")
	e.setLoad(in, demo.BusyLoad, true)
	e.clock.Advance(10 * time.Minute)
	rep := e.checkIdle()
	got := e.instance("box").Idle
	if !slices.Contains(rep.Checked, "box") || got.Measured.IsZero() || got.NoMetrics || got.CPUPercent != demo.BusyLoad.CPUPercent {
		t.Fatalf("after 10m: checked %v, idle record %+v; want busy figures recorded", rep.Checked, got)
	}
	wantContains(t, "status", IdleStatus(*e.instance("box")), "CPU 35.0% avg", "network 240.0 kB/s", "last 10m")
	e.setLoad(in, demo.IdleLoad, false)
	if got := e.runIdle("box", 45*time.Minute); len(got) != 0 {
		t.Fatalf("passes before the VM is an hour old = %v, want none", got)
	}
}

// A destroy that fails is tried again at a later pass, under a new key.
func TestIdleDestroyRetried(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	e.up(caller(alice), "box")
	e.clock.Advance(time.Hour)
	e.checkIdle()
	for range 4 {
		e.cloud.SetFailNext(demo.OpDestroyInstance, errors.New("demo: destroy: 500"))
	}
	e.clock.Advance(30 * time.Minute)
	if rep := e.checkIdle(); len(rep.Destroyed) != 0 {
		t.Fatalf("CheckIdle() with the cloud failing destroyed %v", rep.Destroyed)
	}
	got := e.runIdle("box", 30*time.Minute)
	if len(got["destroyed"]) != 1 || e.cloudCount() != 0 {
		t.Fatalf("passes after a failed destroy = %v, %d at the cloud; want it destroyed once", got, e.cloudCount())
	}
}
