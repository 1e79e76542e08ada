package commands

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// approvalEnv needs an approver for every up; alice is an approver too,
// so that deciding on her own request is refused for that reason alone.
func approvalEnv(t *testing.T, opts ...func(*envOptions)) *env {
	t.Helper()
	return newEnv(t, append([]func(*envOptions){withConfig(func(c *Config) {
		c.ApprovalAbove = ptr(0.0)
		c.Approvers = []string{alice, bob, carol}
	})}, opts...)...)
}

// request handles and runs an up that parks awaiting approval.
func (e *env) request(c Caller, name string) *store.Operation {
	e.t.Helper()
	op := e.run(c, grammar.Command{Verb: grammar.VerbUp, Name: name})
	if op.State != store.OpAwaitingApproval {
		e.t.Fatalf("up %s = %s (%s), want awaiting approval", name, op.State, op.Error)
	}
	return op
}

func TestApprovalApprove(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	start := e.clock.Now()
	op := e.request(caller(alice), "big")

	want := []EventKind{EventAccepted, EventAwaitingApproval}
	if diff := cmp.Diff(want, e.rec.kinds(op.ID)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	ev := e.rec.last(t, op.ID, EventAwaitingApproval)
	if ev.Approval == nil || ev.Approval.Requester != alice || !ev.Approval.Expires.Equal(start.Add(4*time.Hour)) {
		t.Errorf("awaiting event approval = %+v, want alice's, expiring in 4h", ev.Approval)
	}
	if a, err := e.db.GetApproval(e.ctx, op.ID); err != nil || a.State != store.ApprovalPending {
		t.Errorf("stored approval = %+v, %v; want pending", a, err)
	}
	if in := e.instance("big"); in.Status != store.InstanceCreating {
		t.Errorf("reserved instance is %s, want creating", in.Status)
	}
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("CreateInstance calls = %d before approval, want 0", got)
	}
	if !e.svc.IsApprover(bob) || e.svc.IsApprover(mallory) || !slices.Contains(e.svc.Approvers(), carol) {
		t.Errorf("IsApprover/Approvers disagree with the config")
	}

	refusals := []struct {
		who, msg, hint string
	}{
		{alice, "your own request", "another approver"},
		{mallory, "only approvers", "@" + bob},
	}
	for _, r := range refusals {
		_, err := e.svc.Decide(e.ctx, op.ID, r.who, true)
		ue := asUsage(t, err)
		wantContains(t, "Decide by "+r.who, ue.Error(), r.msg, r.hint)
	}
	if _, err := e.svc.Decide(e.ctx, "no-such-op", bob, true); err == nil {
		t.Errorf("Decide of an unknown request = nil, want a refusal")
	}

	d, err := e.svc.Decide(e.ctx, op.ID, bob, true)
	if err != nil || !d.Changed || d.Approval.State != store.ApprovalApproved || d.Approval.DecidedBy != bob {
		t.Fatalf("Decide(bob, approve) = %+v, %v; want changed, approved by bob", d, err)
	}
	e.svc.Wait()
	want = append(want, EventApproved, EventCreating, EventCreated, EventReady)
	if diff := cmp.Diff(want, e.rec.kinds(op.ID)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	if ev := e.rec.last(t, op.ID, EventApproved); ev.Actor != bob {
		t.Errorf("approved event Actor = %q, want %q", ev.Actor, bob)
	}
	if in := e.instance("big"); in.Status != store.InstanceReady || e.atCloud(in.CloudID) == nil {
		t.Errorf("instance after approval = %+v, want ready at the cloud", in)
	}

	// A second click changes nothing and says who decided.
	n := len(e.rec.of(op.ID))
	d, err = e.svc.Decide(e.ctx, op.ID, carol, false)
	if err != nil || d.Changed || d.Approval.DecidedBy != bob || d.Approval.State != store.ApprovalApproved {
		t.Errorf("second Decide = %+v, %v; want unchanged, decided by bob", d, err)
	}
	e.svc.Wait()
	if got := len(e.rec.of(op.ID)); got != n {
		t.Errorf("second Decide emitted %d events, want none", got-n)
	}
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 1 {
		t.Errorf("CreateInstance calls = %d, want 1", got)
	}
}

func TestApprovalDeny(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	op := e.request(caller(alice), "big")
	d, err := e.svc.Decide(e.ctx, op.ID, bob, false)
	if err != nil || !d.Changed || d.Approval.State != store.ApprovalDenied {
		t.Fatalf("Decide(bob, deny) = %+v, %v; want changed, denied", d, err)
	}
	e.svc.Wait()
	ev := e.rec.last(t, op.ID, EventDenied)
	if ev.Actor != bob || ev.Op.State != store.OpFailed {
		t.Errorf("denied event actor %q op state %s, want %s, failed", ev.Actor, ev.Op.State, bob)
	}
	wantContains(t, "denied detail", ev.Detail, "denied")
	if got := e.op(op.ID).State; got != store.OpFailed {
		t.Errorf("op is %s, want failed", got)
	}
	if in := e.instance("big"); in.Status != store.InstanceFailed {
		t.Errorf("instance is %s, want failed (the name freed)", in.Status)
	}
	// The name is free, and a late approve changes nothing.
	e.request(caller(carol), "big")
	d, err = e.svc.Decide(e.ctx, op.ID, carol, true)
	if err != nil || d.Changed || d.Approval.DecidedBy != bob {
		t.Errorf("approve after deny = %+v, %v; want unchanged", d, err)
	}
	e.svc.Wait()
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("CreateInstance calls = %d, want 0", got)
	}
}

func TestApprovalExpiry(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t, withConfig(func(c *Config) { c.ApprovalExpiry = time.Hour }))
	op := e.request(caller(alice), "big")

	e.clock.Advance(59 * time.Minute)
	if n, err := e.svc.ExpireApprovals(e.ctx); n != 0 || err != nil {
		t.Fatalf("ExpireApprovals before expiry = %d, %v; want 0", n, err)
	}
	e.clock.Advance(2 * time.Minute)
	if n, err := e.svc.ExpireApprovals(e.ctx); n != 1 || err != nil {
		t.Fatalf("ExpireApprovals after expiry = %d, %v; want 1", n, err)
	}
	ev := e.rec.last(t, op.ID, EventApprovalExpired)
	wantContains(t, "expired detail", ev.Detail, "1h")
	if got := e.op(op.ID).State; got != store.OpFailed {
		t.Errorf("op is %s, want failed", got)
	}
	if in := e.instance("big"); in.Status != store.InstanceFailed {
		t.Errorf("instance is %s, want failed", in.Status)
	}
	if n, _ := e.svc.ExpireApprovals(e.ctx); n != 0 {
		t.Errorf("second ExpireApprovals = %d, want 0", n)
	}
	d, err := e.svc.Decide(e.ctx, op.ID, bob, true)
	if err != nil || d.Changed || d.Approval.State != store.ApprovalExpired {
		t.Errorf("Decide after expiry = %+v, %v; want unchanged, expired", d, err)
	}
}

func TestApprovalClickAfterExpiry(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t, withConfig(func(c *Config) { c.ApprovalExpiry = time.Hour }))
	op := e.request(caller(alice), "big")
	e.clock.Advance(2 * time.Hour) // the expiry sweep has not run yet
	d, err := e.svc.Decide(e.ctx, op.ID, bob, true)
	if err != nil || d.Changed || d.Approval.State != store.ApprovalExpired {
		t.Fatalf("Decide after expiry = %+v, %v; want unchanged, expired", d, err)
	}
	e.svc.Wait()
	e.rec.last(t, op.ID, EventApprovalExpired)
	if got := e.op(op.ID).State; got != store.OpFailed {
		t.Errorf("op is %s, want failed", got)
	}
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("CreateInstance calls = %d, want 0", got)
	}
}

func TestApprovalQuotaRecheckedOnClick(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t, withConfig(func(c *Config) { c.MaxInstancesPerUser = 2 }))
	a := e.request(caller(alice), "first")
	e.request(caller(alice), "second")
	// The Service restarts with a lower quota while both requests wait.
	cfg := Config{ApprovalAbove: ptr(0.0), Approvers: []string{bob}, MaxInstancesPerUser: 1, Now: e.clock.Now, Logger: e.svc.log}
	svc := New(cfg, e.db, map[string]providers.Provider{"demo": e.cloud}, e.rec)
	t.Cleanup(svc.Wait)

	_, err := svc.Decide(e.ctx, a.ID, bob, true)
	ue := asUsage(t, err)
	// The message goes to the approver: it names the requester and her
	// other instance, not the request's own reservation.
	wantContains(t, "refusal", ue.Error(), "cannot approve now", "@"+alice+" already has 1 running instance (`second`)", "limit is 1")
	if strings.Contains(ue.Error(), "`first`") || strings.Contains(ue.Error(), "you ") {
		t.Errorf("refusal = %q, want neither the request itself nor \"you\"", ue.Error())
	}
	if got, _ := e.db.GetApproval(e.ctx, a.ID); got.State != store.ApprovalPending {
		t.Errorf("approval after a refused click is %s, want still pending", got.State)
	}
	svc.Wait()
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("CreateInstance calls = %d, want 0", got)
	}

	// Once she cancels the other request, the click goes through.
	r, err := svc.Handle(e.ctx, "", caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "second"})
	if err != nil {
		t.Fatalf("down second: %v", err)
	}
	svc.Run(e.ctx, r.Op.ID)
	if d, err := svc.Decide(e.ctx, a.ID, bob, true); err != nil || !d.Changed {
		t.Fatalf("Decide after down = %+v, %v; want approved", d, err)
	}
	svc.Wait()
	if got := e.instance("first").Status; got != store.InstanceReady {
		t.Errorf("first is %s, want ready", got)
	}
}

func TestApprovalThreshold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		above *float64
		size  string
		want  store.OpState
	}{
		{"never", nil, "xlarge", store.OpDone},
		{"cheap", ptr(0.05), "small", store.OpDone},
		{"at the threshold", ptr(0.0298), "medium", store.OpDone},
		{"costly", ptr(0.05), "xlarge", store.OpAwaitingApproval},
		{"always", ptr(0.0), "small", store.OpAwaitingApproval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *Config) { c.ApprovalAbove, c.Approvers = tt.above, []string{bob} }))
			op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box", Size: tt.size})
			if op.State != tt.want {
				t.Errorf("up --size %s = %s (%s), want %s", tt.size, op.State, op.Error, tt.want)
			}
		})
	}
}

// A request may be cancelled with down while it waits; approving it
// later must not create a VM nobody wants.
func TestApprovalAfterDown(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	op := e.request(caller(alice), "big")
	if down := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "big"}); down.State != store.OpDone {
		t.Fatalf("down of a waiting request = %s (%s), want done", down.State, down.Error)
	}
	d, err := e.svc.Decide(e.ctx, op.ID, bob, true)
	if err != nil {
		t.Fatalf("Decide = %v", err)
	}
	e.svc.Wait()
	if got := e.cloudCount(); got != 0 {
		t.Errorf("instances at the cloud = %d after approving a cancelled request (decision %+v), want 0", got, d)
	}
	if got := e.op(op.ID).State; got != store.OpFailed {
		t.Errorf("up op is %s, want failed", got)
	}
	if got := e.instance("big").Status; got != store.InstanceDestroyed {
		t.Errorf("instance is %s, want still destroyed", got)
	}
}

func asUsage(t *testing.T, err error) *UsageError {
	t.Helper()
	var ue *UsageError
	if !errors.As(err, &ue) {
		t.Fatalf("error = %v (%T), want a *UsageError", err, err)
	}
	return ue
}
