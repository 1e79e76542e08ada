package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/bot/slacktest"
)

const carol = "U0CAROL" // another approver

// needApproval makes every up need one of approvers.
func needApproval(approvers ...string) func(*setup) {
	return func(s *setup) {
		zero := 0.0
		s.svc.ApprovalAbove = &zero
		s.svc.Approvers = approvers
	}
}

// click presses a button of the message at channel/ts as user.
func (h *harness) click(user, channel, ts, actionID string) string {
	h.t.Helper()
	return h.send(slacktest.BlockAction{User: user, Channel: channel, MessageTS: ts, ActionID: actionID})
}

// clickStale presses a button on a copy of a card that still shows it,
// as a client that has not refreshed the message does.
func (h *harness) clickStale(user, channel, ts, actionID, opID string) string {
	h.t.Helper()
	return h.send(slacktest.BlockAction{User: user, Channel: channel, MessageTS: ts, ActionID: actionID,
		BlockID: approvalBlockID, Value: opID, Type: "button"})
}

func (h *harness) send(a slacktest.BlockAction) string {
	h.t.Helper()
	id, err := h.slack.SendBlockAction(h.ctx, a)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(h.ctx, id); err != nil {
		h.t.Fatal(err)
	}
	return id
}

func TestApprovalOnlyByAnotherApprover(t *testing.T) {
	h := newHarness(t, needApproval(alice, bob), func(s *setup) { s.bot.NotifyChannel = opsChan })
	root := h.up(alice, "")
	h.waitThread(general, root.TS, "needs an approver's OK")
	h.waitRoot(general, root.TS, "waiting for approval")
	card := h.waitMessage(opsChan, "Approval needed")
	for _, want := range []string{"<@" + alice + ">", "small", "demo-eu", "Demo cloud", "$0.0074/h", "$5.40/month", "Approve", "Deny"} {
		if !strings.Contains(card.PlainText(), want) {
			t.Errorf("approval card %q lacks %q", card.PlainText(), want)
		}
	}

	h.click(alice, opsChan, card.TS, actionApprove)
	h.waitEphemeral(opsChan, alice, "your own request")
	h.click(mallory, opsChan, card.TS, actionApprove)
	h.waitEphemeral(opsChan, mallory, "only approvers")
	if got := h.demo.Calls()["CreateInstance"]; got != 0 {
		t.Fatalf("refused clicks created %d instances", got)
	}

	h.click(bob, opsChan, card.TS, actionApprove)
	h.waitThread(general, root.TS, "Approved by <@"+bob+">")
	h.waitThread(general, root.TS, "ssh dev@")
	h.waitRoot(general, root.TS, "is ready")
	decided := h.waitRoot(opsChan, card.TS, "Approved by <@"+bob+"> at")
	if strings.Contains(string(decided.Blocks), actionApprove) {
		t.Errorf("decided card still has its buttons: %s", decided.Blocks)
	}

	op := opIDOf(t, card)
	h.clickStale(bob, opsChan, card.TS, actionApprove, op)
	h.waitEphemeral(opsChan, bob, "already decided")
	h.clickStale(bob, opsChan, card.TS, actionDeny, op)
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool { return len(s.Ephemerals(opsChan, bob)) == 2 }); err != nil {
		t.Errorf("a second stale click was not answered: %v", err)
	}
	h.svc.Wait()
	if got := h.demo.Calls()["CreateInstance"]; got != 1 {
		t.Errorf("CreateInstance called %d times, want 1", got)
	}
	if got := len(h.slack.Messages(opsChan)); got != 2 { // the card and the "created" line
		t.Errorf("%d messages in the team channel, want 2:%s", got, h.dump(opsChan))
	}
}

func TestDenyByDMEndsTheRequest(t *testing.T) {
	h := newHarness(t, needApproval(bob, carol))
	root := h.up(alice, "")
	bobDM, carolDM := h.slack.DMChannel(bob), h.slack.DMChannel(carol)
	bobCard := h.waitMessage(bobDM, "Approval needed")
	carolCard := h.waitMessage(carolDM, "Approval needed")
	h.waitThread(general, root.TS, "<@"+bob+">, <@"+carol+"> by DM")

	h.click(carol, carolDM, carolCard.TS, actionDeny)
	h.waitThread(general, root.TS, "Denied by <@"+carol+">")
	h.waitRoot(general, root.TS, "was denied by <@"+carol+">")
	for _, c := range []struct{ channel, ts string }{{bobDM, bobCard.TS}, {carolDM, carolCard.TS}} {
		m := h.waitRoot(c.channel, c.ts, "Denied by <@"+carol+"> at")
		if strings.Contains(string(m.Blocks), actionApprove) {
			t.Errorf("card in %s still has buttons after the decision", c.channel)
		}
	}
	h.clickStale(bob, bobDM, bobCard.TS, actionApprove, opIDOf(t, bobCard))
	h.waitEphemeral(bobDM, bob, "Denied by <@"+carol+">")
	h.svc.Wait()
	if got := h.demo.Calls()["CreateInstance"]; got != 0 {
		t.Errorf("a denied request created %d instances", got)
	}
}

func TestUndecidedRequestExpires(t *testing.T) {
	h := newHarness(t, needApproval(bob), func(s *setup) {
		s.svc.ApprovalExpiry = 30 * time.Millisecond
		s.bot.NotifyChannel = opsChan
		s.background = true // Service.Background expires requests
	})
	root := h.up(alice, "")
	card := h.waitMessage(opsChan, "Approval") // needed, or expired already
	h.waitThread(general, root.TS, "The request expired")
	h.waitRoot(general, root.TS, "expired")
	h.waitRoot(opsChan, card.TS, "Expired at")
	ops, err := h.db.ListOperations(h.ctx, false)
	if err != nil || len(ops) != 1 {
		t.Fatalf("ListOperations = %d operations, %v; want 1", len(ops), err)
	}
	h.clickStale(bob, opsChan, card.TS, actionApprove, ops[0].ID)
	h.waitEphemeral(opsChan, bob, "expired at")
	if got := h.demo.Calls()["CreateInstance"]; got != 0 {
		t.Errorf("an expired request created %d instances", got)
	}
}

// opIDOf returns the operation id an approval card's buttons carry.
func opIDOf(t *testing.T, card slacktest.Message) string {
	t.Helper()
	for _, b := range card.BlockSet {
		if a, ok := b.(*slack.ActionBlock); ok && a.BlockID == approvalBlockID {
			for _, e := range a.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == actionApprove {
					return btn.Value
				}
			}
		}
	}
	t.Fatalf("card %q has no Approve button", card.PlainText())
	return ""
}

// TestCardsUpdatedAfterTheBotForgotThem: where each copy of an approval
// card went is recorded in the store, so a decision made after the bot
// lost its memory (a restart) still updates every copy.
func TestCardsUpdatedAfterTheBotForgotThem(t *testing.T) {
	h := newHarness(t, needApproval(bob, carol))
	root := h.up(alice, "")
	bobDM, carolDM := h.slack.DMChannel(bob), h.slack.DMChannel(carol)
	bobCard := h.waitMessage(bobDM, "Approval needed")
	carolCard := h.waitMessage(carolDM, "Approval needed")
	h.waitThread(general, root.TS, "<@"+bob+">, <@"+carol+"> by DM")

	h.bot.mu.Lock()
	var opID string
	for id := range h.bot.ops {
		opID = id
		h.bot.approvals.forget(id) // as after a restart
	}
	h.bot.mu.Unlock()
	a, err := h.db.GetApproval(h.ctx, opID)
	if err != nil || len(a.Cards) != 2 {
		t.Fatalf("approval %s records cards %v (%v), want the two DMs", opID, a, err)
	}

	h.click(bob, bobDM, bobCard.TS, actionDeny)
	for _, c := range []struct{ channel, ts string }{{bobDM, bobCard.TS}, {carolDM, carolCard.TS}} {
		h.waitRoot(c.channel, c.ts, "Denied by <@"+bob+"> at")
	}
}

// A refused click on a card of a request this process never showed leaves
// nothing in its memory.
func TestRefusedClickOnUnknownRequestIsForgotten(t *testing.T) {
	h := newHarness(t, needApproval(bob))
	h.clickStale(bob, general, "1700000000.000100", actionApprove, "op-never-seen")
	h.waitEphemeral(general, bob, "no longer known")

	h.bot.approvals.mu.Lock()
	n := len(h.bot.approvals.ops)
	h.bot.approvals.mu.Unlock()
	h.bot.mu.Lock()
	ops := len(h.bot.ops)
	h.bot.mu.Unlock()
	if n != 0 || ops != 0 {
		t.Errorf("after a refused click on an unknown request the bot remembers %d cards and %d operations, want none", n, ops)
	}
}
