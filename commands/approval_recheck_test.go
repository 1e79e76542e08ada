package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// TestApprovalIsAFreshUp changes one rule while a request waits for an
// approver, then approves it: every rule of up is checked again at the
// click, the request keeps waiting, and the approver, the requester's
// thread and the cards hear why.
func TestApprovalIsAFreshUp(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*Config)
		why    []string
	}{
		{"the budget shrank", func(c *Config) { c.Budget = Budget{MonthlyUSD: 0.01} },
			[]string{"cannot approve now", "@" + alice + "'s spending this month", "over their budget of $0.01"}},
		{"the budget shrank, over-budget requests go to approvers", func(c *Config) { c.Budget = Budget{MonthlyUSD: 0.01, Approve: true} },
			[]string{"over their budget of $0.01"}},
		{"the size is no longer allowed", func(c *Config) {
			c.Defaults = map[string]Defaults{"demo": {AllowedSizes: []string{"small"}}}
		}, []string{"size `medium` is not allowed here", "allowed sizes: `small`"}},
		{"the region is no longer allowed", func(c *Config) {
			c.Defaults = map[string]Defaults{"demo": {AllowedRegions: []string{"demo-us"}}}
		}, []string{"region `demo-eu` is not allowed here"}},
		{"the channel is no longer allowed", func(c *Config) { c.AllowedChannels = []string{"C0OPS"} },
			[]string{"no longer allowed in #" + general, "#C0OPS"}},
		{"the cloud is no longer allowed in the channel", func(c *Config) {
			c.Channels = map[string]ChannelPolicy{general: {Clouds: []string{"hetzner"}}}
		}, []string{"Demo cloud is not allowed in this channel"}},
		{"the lease is now too long", func(c *Config) { c.MaxLease = time.Hour }, []string{"longer than the maximum"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := approvalEnv(t, withConfig(func(c *Config) { c.Budget = Budget{MonthlyUSD: 100} }))
			op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "big", Size: "medium", Region: "demo-eu"})
			if op.State != store.OpAwaitingApproval {
				t.Fatalf("up = %s (%s), want awaiting approval", op.State, op.Error)
			}
			tt.change(&e.cfg)
			e.restart() // the new rules, as after a configuration change

			_, err := e.svc.Decide(e.ctx, op.ID, bob, true)
			ue := asUsage(t, err)
			wantContains(t, "refusal to the approver", ue.Error(), tt.why...)
			if got, _ := e.db.GetApproval(e.ctx, op.ID); got.State != store.ApprovalPending {
				t.Errorf("approval after a refused click is %s, want still pending", got.State)
			}
			e.svc.Wait()
			if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
				t.Errorf("CreateInstance calls = %d, want 0", got)
			}
			ev := e.rec.last(t, op.ID, EventApprovalRefused)
			if string(ev.Actor) != bob || ev.Approval == nil {
				t.Errorf("refused event: Actor %q, Approval %v; want %s and the approval", ev.Actor, ev.Approval, bob)
			}
			wantContains(t, "event Detail", ev.Detail, tt.why...)
			wantContains(t, "event DetailText", ev.DetailText.Plain(), tt.why...)
		})
	}
}

// TestApprovalOverBudgetWhenThatWasTheQuestion approves a request that
// went to an approver because it is over the budget: the approver's OK is
// the answer to exactly that, so the budget does not refuse it again.
func TestApprovalOverBudgetWhenThatWasTheQuestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) {
		c.Approvers = []string{bob}
		c.Budget = Budget{MonthlyUSD: 1, Approve: true}
	}))
	// xlarge is $0.25/h: 8h is $2, over the budget.
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "big", Size: "xlarge", Region: "demo-eu"})
	if op.State != store.OpAwaitingApproval {
		t.Fatalf("over-budget up = %s (%s), want awaiting approval", op.State, op.Error)
	}
	if d, err := e.svc.Decide(e.ctx, op.ID, bob, true); err != nil || !d.Changed {
		t.Fatalf("Decide = %+v, %v; want approved", d, err)
	}
	e.svc.Wait()
	if got := e.instance("big").Status; got != store.InstanceReady {
		t.Errorf("big is %s, want ready", got)
	}
	if n := len(e.rec.ofKind(EventApprovalRefused)); n != 0 {
		t.Errorf("%d approval-refused events, want none", n)
	}
}
