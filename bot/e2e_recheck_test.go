package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
)

// TestApprovalAfterBudgetChangeInSlack approves a request after the
// requester's spending grew past what their budget leaves for it: the
// click is refused, the approver is told why, the card shows it with its
// buttons still there, the requester's thread hears it, and nothing is
// created.
func TestApprovalAfterBudgetChangeInSlack(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := newHarness(t, needApproval(bob), func(s *setup) {
		s.svc.Now = c.Now
		s.svc.Budget = commands.Budget{MonthlyUSD: 3}
		s.svc.ApprovalExpiry = 24 * time.Hour
		s.bot.NotifyChannel = opsChan
	})
	cardOf := func(name string) slacktest.Message {
		t.Helper()
		m, err := h.slack.WaitMessage(h.ctx, opsChan, func(m slacktest.Message) bool {
			return strings.Contains(m.PlainText(), "Approval needed") && strings.Contains(m.PlainText(), "`"+name+"`")
		})
		if err != nil {
			t.Fatalf("no approval card for %s: %v%s", name, err, h.dump(opsChan))
		}
		return m
	}
	// xlarge is $0.25/h: 8h of it is $2.
	first := h.up(alice, "first --provider demo --size xlarge --region demo-eu")
	h.click(bob, opsChan, cardOf("first").TS, actionApprove)
	h.waitRoot(general, first.TS, "is ready")

	h.slash(alice, general, "up second --provider demo --size xlarge --region demo-eu")
	second := h.waitMessage(general, "`second`")
	card := cardOf("second")
	c.Add(6 * time.Hour) // first has cost $1.50 since: $3.50 with second, over $3

	h.click(bob, opsChan, card.TS, actionApprove)
	h.waitEphemeral(opsChan, bob, "over their budget of $3.00")
	h.waitThread(general, second.TS, "pressed Approve — cannot approve now")
	updated := h.waitRoot(opsChan, card.TS, "over their budget of $3.00")
	if !strings.Contains(string(updated.Blocks), actionApprove) {
		t.Errorf("the card lost its buttons after a refused approval: %s", updated.Blocks)
	}
	h.waitRoot(general, second.TS, "waiting for approval")
	h.svc.Wait()
	if got := h.demo.Calls()["CreateInstance"]; got != 1 {
		t.Errorf("CreateInstance called %d times, want 1 (first only)", got)
	}
}
