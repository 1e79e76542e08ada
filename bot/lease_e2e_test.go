package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

const admin = "U0ADMIN" // an admin of the cost safety tests

// warnBefore is the lease warning time of the cost safety tests, other
// than the default so that the test shows it is the configured one.
const warnBefore = 45 * time.Minute

// costHarness is a harness whose Service and Bot share c as their clock,
// with admin as the only admin and opsChan as the team channel unless
// opts change that.
func costHarness(t *testing.T, c *manualClock, opts ...func(*setup)) *harness {
	t.Helper()
	base := func(s *setup) {
		s.svc.Now, s.bot.Now = c.Now, c.Now
		s.svc.Admins = []string{admin}
		s.svc.WarnBefore = warnBefore
		s.bot.NotifyChannel = opsChan
	}
	return newHarness(t, append([]func(*setup){base}, opts...)...)
}

// reap runs one lease pass and fails the test on an error.
func (h *harness) reap() (warned, expired []string) {
	h.t.Helper()
	rep, err := h.svc.Reap(h.ctx)
	if err != nil {
		h.t.Fatalf("Reap: %v", err)
	}
	return rep.Warned, rep.Expired
}

// instance reads instance name from the store.
func (h *harness) instance(name string) store.Instance {
	h.t.Helper()
	in, err := h.db.GetInstance(h.ctx, name)
	if err != nil {
		h.t.Fatalf("GetInstance(%q): %v", name, err)
	}
	return *in
}

// clickAgain presses a button of the lease warning at ts as a client
// that still shows it after the card changed.
func (h *harness) clickAgain(user, channel, ts, actionID, name string) {
	h.t.Helper()
	h.send(slacktest.BlockAction{User: user, Channel: channel, MessageTS: ts, ActionID: actionID,
		BlockID: leaseBlockID, Value: name, Type: "button"})
}

// warned starts alice's instance with a 2h lease and moves the clock to
// its warning; it returns the thread's root, the instance's name and the
// warning card in alice's DM.
func warned(t *testing.T, h *harness, c *manualClock) (root slacktest.Message, name string, card slacktest.Message) {
	t.Helper()
	root = h.up(alice, "--ttl 2h")
	name = instanceName(t, root)
	h.waitThread(general, root.TS, "ssh dev@")

	c.Add(2*time.Hour - warnBefore - time.Minute)
	if w, _ := h.reap(); len(w) != 0 {
		t.Fatalf("Reap warned %v %v before the end of the lease, want nobody yet", w, warnBefore+time.Minute)
	}
	c.Add(time.Minute)
	if w, _ := h.reap(); len(w) != 1 || w[0] != name {
		t.Fatalf("Reap warned %v at %v before the end, want [%s]", w, warnBefore, name)
	}
	card = h.waitMessage(h.slack.DMChannel(alice), "will be destroyed at")
	h.waitThread(general, root.TS, "when its lease ends")
	return root, name, card
}

// cardButtons returns the lease buttons of a posted card by action id.
func cardButtons(m slacktest.Message) map[string]*slack.ButtonBlockElement {
	return leaseButtonsOf(message{Blocks: m.BlockSet})
}

func TestLeaseWarningExtend(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c)
	root, name, card := warned(t, h, c)
	dm := card.Channel

	buttons := cardButtons(card)
	for _, id := range []string{actionLeaseExtend, actionLeaseSnapshot, actionLeaseDestroy} {
		if b := buttons[id]; b == nil || b.Value != name {
			t.Errorf("warning card: button %s = %+v, want one with value %q", id, b, name)
		}
	}
	for _, want := range []string{"Extend 2h", "Snapshot & destroy", "Destroy now", "Demo cloud", "$0.0074/h", "Spent so far"} {
		if !strings.Contains(card.PlainText(), want) {
			t.Errorf("warning card %q lacks %q", card.PlainText(), want)
		}
	}
	h.waitRoot(general, root.TS, "is ready") // a warning leaves the root as it is

	before := h.instance(name).LeaseExpiry
	h.click(mallory, dm, card.TS, actionLeaseExtend)
	h.waitEphemeral(dm, mallory, "only its owner or an admin")
	if got := h.instance(name).LeaseExpiry; !got.Equal(before) {
		t.Fatalf("a stranger's click moved the lease from %v to %v", before, got)
	}

	h.click(alice, dm, card.TS, actionLeaseExtend)
	want := before.Add(2 * time.Hour)
	updated := h.waitRoot(dm, card.TS, "Extended by <@"+alice+"> until "+string(clock(want)))
	if n := len(cardButtons(updated)); n != 0 {
		t.Errorf("extended card still has %d buttons", n)
	}
	if got := h.instance(name).LeaseExpiry; !got.Equal(want) {
		t.Errorf("lease ends %v after Extend, want %v", got, want)
	}
	h.waitThread(general, root.TS, "extended the lease")
	h.waitRoot(general, root.TS, "lease until "+string(clock(want)))

	h.clickAgain(alice, dm, card.TS, actionLeaseExtend, name)
	h.waitEphemeral(dm, alice, "changed nothing")
	h.clickAgain(alice, dm, card.TS, actionLeaseDestroy, name)
	h.waitEphemeral(dm, alice, "already answered")
	if got := h.instance(name); !got.LeaseExpiry.Equal(want) || got.Status != store.InstanceReady {
		t.Errorf("after second clicks the instance is %s until %v, want ready until %v", got.Status, got.LeaseExpiry, want)
	}
}

func TestLeaseWarningDestroyNow(t *testing.T) {
	tests := []struct {
		name      string
		action    string
		requested string
		snapshots int
	}{
		{"destroy", actionLeaseDestroy, "Destroy requested by", 0},
		{"snapshot_destroy", actionLeaseSnapshot, "Snapshot &amp; destroy requested by", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &manualClock{t: time.Now()}
			h := costHarness(t, c)
			root, name, card := warned(t, h, c)
			dm := card.Channel
			cloudID := h.instance(name).CloudID

			h.click(admin, dm, card.TS, tt.action) // an admin may, too
			h.waitThread(general, root.TS, "is destroyed (by <@"+admin+">)")
			h.waitRoot(dm, card.TS, "Destroyed by <@"+admin+">")
			if in, err := h.demo.GetInstance(h.ctx, cloudID); err != nil || in != nil {
				t.Errorf("demo cloud still has %s after Destroy: %+v, %v", cloudID, in, err)
			}
			if got := h.instance(name).Status; got != store.InstanceDestroyed {
				t.Errorf("instance is %s after Destroy, want destroyed", got)
			}
			snaps, err := h.demo.ListSnapshots(h.ctx)
			if err != nil || len(snaps) != tt.snapshots {
				t.Errorf("demo cloud has snapshots %v (%v), want %d", snaps, err, tt.snapshots)
			}
			updates := h.updatesOf(dm, card.TS)
			if len(updates) != 2 || !strings.Contains(updates[0], tt.requested+" <@"+admin+">") ||
				!strings.Contains(updates[1], "Destroyed by") {
				t.Errorf("card updates = %q, want the request, then the destroy", updates)
			}

			h.clickAgain(alice, dm, card.TS, actionLeaseExtend, name)
			h.waitEphemeral(dm, alice, "already destroyed")
			if got := h.demo.Calls()["DestroyInstance"]; got != 1 {
				t.Errorf("DestroyInstance called %d times, want 1", got)
			}
		})
	}
}

func TestLeaseExpiryDestroysAndTells(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c)
	root, name, card := warned(t, h, c)
	dm := card.Channel
	cloudID := h.instance(name).CloudID

	c.Add(warnBefore)
	if _, exp := h.reap(); len(exp) != 1 || exp[0] != name {
		t.Fatalf("Reap expired %v, want [%s]", exp, name)
	}
	h.waitThread(general, root.TS, "its lease ended")
	h.waitRoot(general, root.TS, "destroyed when its lease ended")
	h.waitMessage(opsChan, "`"+name+"` was destroyed when its lease ended")
	h.waitMessage(dm, "Your `"+name+"` was destroyed: its lease ended")
	h.waitRoot(dm, card.TS, "when its lease ended")
	if in, err := h.demo.GetInstance(h.ctx, cloudID); err != nil || in != nil {
		t.Errorf("demo cloud still has %s after expiry: %+v, %v", cloudID, in, err)
	}

	h.clickAgain(alice, dm, card.TS, actionLeaseExtend, name)
	h.waitEphemeral(dm, alice, "is already gone")
	if got := h.instance(name).Status; got != store.InstanceDestroyed {
		t.Errorf("instance is %s after a click on its card, want destroyed", got)
	}
}

func TestDestroyedOutsideIsTold(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c)
	root := h.up(alice, "")
	name := instanceName(t, root)
	h.waitThread(general, root.TS, "ssh dev@")
	if !h.demo.Remove(h.instance(name).CloudID) {
		t.Fatal("demo cloud did not have the instance")
	}
	rep, err := h.svc.Reconcile(h.ctx)
	if err != nil || len(rep.DestroyedOutside) != 1 {
		t.Fatalf("Reconcile = %+v, %v, want one instance destroyed outside", rep, err)
	}
	h.waitThread(general, root.TS, "destroyed outside spuffbot")
	h.waitRoot(general, root.TS, "destroyed outside spuffbot")
	h.waitMessage(h.slack.DMChannel(alice), "Your `"+name+"` was destroyed outside spuffbot")
}

// updatesOf returns the texts message ts in channel was updated to, in
// order.
func (h *harness) updatesOf(channel, ts string) []string {
	var out []string
	for _, c := range h.slack.CallLog("chat.update") {
		if c.Params.Get("channel") == channel && c.Params.Get("ts") == ts {
			out = append(out, c.Params.Get("text"))
		}
	}
	return out
}

// forgetCards drops what the bot remembers of lease and orphan cards, as
// a restart does.
func (h *harness) forgetCards() {
	h.bot.leases.forget()
	h.bot.orphans.forget()
}

func TestCardsWorkAfterTheBotForgotThem(t *testing.T) {
	t.Run("lease_extend", func(t *testing.T) {
		c := &manualClock{t: time.Now()}
		h := costHarness(t, c)
		_, name, card := warned(t, h, c)
		h.forgetCards()
		want := h.instance(name).LeaseExpiry.Add(2 * time.Hour)
		h.click(alice, card.Channel, card.TS, actionLeaseExtend)
		updated := h.waitRoot(card.Channel, card.TS, "Extended by <@"+alice+"> until "+string(clock(want)))
		if !strings.Contains(updated.PlainText(), string(clock(want))) || len(cardButtons(updated)) != 0 {
			t.Errorf("card after Extend reads %q with %d buttons", updated.PlainText(), len(cardButtons(updated)))
		}
	})
	t.Run("lease_destroy", func(t *testing.T) {
		c := &manualClock{t: time.Now()}
		h := costHarness(t, c)
		_, _, card := warned(t, h, c)
		h.forgetCards()
		h.click(alice, card.Channel, card.TS, actionLeaseDestroy)
		updated := h.waitRoot(card.Channel, card.TS, "Destroyed by <@"+alice+">")
		if !strings.Contains(updated.PlainText(), "Spent so far") || len(cardButtons(updated)) != 0 {
			t.Errorf("card after Destroy reads %q with %d buttons, want its fields without buttons",
				updated.PlainText(), len(cardButtons(updated)))
		}
	})
	t.Run("orphan_adopt", func(t *testing.T) {
		c := &manualClock{t: time.Now()}
		h := costHarness(t, c)
		h.orphanAtCloud("stray", "")
		if got := h.reconcile(); len(got) != 1 {
			t.Fatalf("Reconcile reported %v, want [stray]", got)
		}
		card := h.waitMessage(opsChan, "`stray`")
		h.forgetCards()
		h.click(admin, opsChan, card.TS, actionOrphanAdoptMine)
		h.waitRoot(opsChan, card.TS, "Adopted by <@"+admin+">")
	})
}

func TestLeaseWarningClosesWhenExtendedElsewhere(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c)
	_, name, card := warned(t, h, c)
	// As the App Home or another front end would.
	if _, err := h.svc.Lease(h.ctx, name, admin, commands.LeaseExtend, "elsewhere"); err != nil {
		t.Fatalf("Lease(extend) = %v", err)
	}
	want := h.instance(name).LeaseExpiry
	updated := h.waitRoot(card.Channel, card.TS, "Extended by <@"+admin+"> until "+string(clock(want)))
	if n := len(cardButtons(updated)); n != 0 {
		t.Errorf("card extended elsewhere still has %d buttons", n)
	}
}

func TestLeaseWarningDestroyFails(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c)
	root, name, card := warned(t, h, c)
	// A refusal: an unknown outcome (a rate limit, a 5xx) would be
	// retried until it works.
	h.demo.SetFailNext(demo.OpDestroyInstance, &providers.Error{Provider: "demo", Op: "destroy instance",
		Kind: providers.ErrAuth, Message: "token revoked"})
	h.click(alice, card.Channel, card.TS, actionLeaseDestroy)
	h.waitThread(general, root.TS, "refused spuffbot's credentials")
	h.waitRoot(card.Channel, card.TS, "Destroying it failed")
	if got := h.instance(name).Status; got != store.InstanceReady {
		t.Errorf("instance is %s after a failed destroy, want ready", got)
	}
	h.clickAgain(alice, card.Channel, card.TS, actionLeaseDestroy, name)
	h.waitEphemeral(card.Channel, alice, "and that failed")
}
