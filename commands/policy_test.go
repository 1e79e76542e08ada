package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

func TestAllowedSizesAndChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) {
		c.Defaults = map[string]Defaults{"demo": {AllowedSizes: []string{"small", "medium"}, AllowedRegions: []string{"demo-eu"}}}
		c.Channels = map[string]ChannelPolicy{
			"C0CHEAP": {Sizes: []string{"small"}},
			"C0NONE":  {Clouds: []string{"hetzner"}},
		}
	}))
	inChan := func(ch string) Caller { c := caller(alice); c.Channel = ch; return c }
	for _, tc := range []struct {
		name      string
		c         Caller
		cmd       grammar.Command
		msg, hint string
	}{
		{"size not allowed", caller(alice), grammar.Command{Verb: grammar.VerbUp, Size: "large"}, "size `large` is not allowed here", "`small`, `medium`"},
		{"region not allowed", caller(alice), grammar.Command{Verb: grammar.VerbUp, Region: "demo-us"}, "region `demo-us` is not allowed here", "`demo-eu`"},
		{"channel narrows sizes", inChan("C0CHEAP"), grammar.Command{Verb: grammar.VerbUp, Size: "medium"}, "size `medium` is not allowed here", "allowed sizes: `small`"},
		{"channel narrows clouds", inChan("C0NONE"), grammar.Command{Verb: grammar.VerbUp}, "Demo cloud is not allowed in this channel", "`hetzner`"},
	} {
		ue := e.refused(tc.c, tc.cmd)
		wantContains(t, tc.name+" message", ue.Msg, tc.msg)
		wantContains(t, tc.name+" hint", ue.Hint, tc.hint)
	}
	// Within the lists, up works and the default is the cheapest allowed.
	op := e.run(inChan("C0CHEAP"), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	if in := e.instance("box"); op.State != store.OpDone || in.Size != "small" || in.Region != "demo-eu" {
		t.Errorf("up in C0CHEAP: %s %s, instance %s in %s; want done, small in demo-eu", op.State, op.Error, in.Size, in.Region)
	}
}

func TestMonthlyBudget(t *testing.T) {
	t.Parallel()
	for _, approve := range []bool{false, true} {
		e := newEnv(t, withConfig(func(c *Config) {
			c.Budget = Budget{MonthlyUSD: 1, Approve: approve}
			c.Approvers = []string{bob}
			c.MaxInstancesPerUser = -1
		}))
		// small is $0.0074/h: 8h costs $0.06, well within $1.
		e.up(caller(alice), "cheap")
		// xlarge is $0.25/h: 8h is $2, over the budget.
		cmd := grammar.Command{Verb: grammar.VerbUp, Name: "big", Size: "xlarge", Region: "demo-eu"}
		if !approve {
			ue := e.refused(caller(alice), cmd)
			wantContains(t, "budget refusal", ue.Msg, "over your budget of $1.00")
			continue
		}
		op := e.run(caller(alice), cmd)
		if op.State != store.OpAwaitingApproval {
			t.Errorf("over budget with approvals: op is %s, want awaiting approval", op.State)
		}
	}
}

func TestSpentThisMonth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up(caller(alice), "box") // small, $0.0074/h
	e.clock.Advance(10 * time.Hour)
	got, err := e.svc.spentThisMonth(e.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	// The fake clock may cross a month boundary; the spend is then less.
	if got <= 0 || got > 0.0741 {
		t.Errorf("spent after 10h of small = $%.4f, want about $0.074", got)
	}
}
