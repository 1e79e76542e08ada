package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/store"
)

// openHome opens user's Home tab and returns it once it shows want.
func (h *harness) openHome(user, want string) slacktest.View {
	h.t.Helper()
	id, err := h.slack.SendAppHomeOpened(h.ctx, user)
	if err != nil {
		h.t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(h.ctx, id); err != nil {
		h.t.Fatal(err)
	}
	return h.waitHome(user, func(v slacktest.View) bool { return strings.Contains(v.PlainText(), want) }, "shows "+want)
}

// waitHome waits until user's Home tab satisfies ok.
func (h *harness) waitHome(user string, ok func(slacktest.View) bool, what string) slacktest.View {
	h.t.Helper()
	var v slacktest.View
	err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		var found bool
		v, found = s.HomeView(user)
		return found && ok(v)
	})
	if err != nil {
		h.t.Fatalf("%s's Home tab never %s: %v; it shows:\n%s", user, what, err, v.PlainText())
	}
	return v
}

// buttonsOf returns the buttons of each actions block of v, as
// "action_id=value".
func buttonsOf(t *testing.T, v slacktest.View) map[string][]string {
	t.Helper()
	var blocks []struct {
		Type     string `json:"type"`
		BlockID  string `json:"block_id"`
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(v.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for _, b := range blocks {
		if b.Type != "actions" {
			continue
		}
		for _, e := range b.Elements {
			out[b.BlockID] = append(out[b.BlockID], e.ActionID+"="+e.Value)
		}
	}
	return out
}

// readyVM creates a VM for user with the given name and waits until it is ready.
func (h *harness) readyVM(user, name string) {
	h.t.Helper()
	root := h.up(user, name)
	h.waitThread(general, root.TS, "ssh dev@")
	h.waitRoot(general, root.TS, "is ready")
}

func TestHomeListsInstancesWithButtons(t *testing.T) {
	h := newHarness(t)
	h.readyVM(alice, "box-one")
	h.readyVM(alice, "box-two")
	h.readyVM(bob, "bobs-box")
	// The Home tab may have been published while box-two booted: wait
	// for the view that shows it ready.
	v := h.openHome(alice, "`box-two`* ready")
	for _, want := range []string{"Your dev VMs", "`box-one`* ready", "`box-two`* ready", "203.0.113.", "$0.0074/h", "left"} {
		if !strings.Contains(v.PlainText(), want) {
			t.Errorf("Home tab does not show %q:\n%s", want, v.PlainText())
		}
	}
	if strings.Contains(v.PlainText(), "bobs-box") {
		t.Errorf("alice's Home tab shows bob's instance:\n%s", v.PlainText())
	}
	want := map[string][]string{
		homeVMBlock + "box-one": {actionHomeExtend + "=box-one", actionHomeDestroy + "=box-one"},
		homeVMBlock + "box-two": {actionHomeExtend + "=box-two", actionHomeDestroy + "=box-two"},
	}
	if got := buttonsOf(t, v); !cmp.Equal(got, want) {
		t.Errorf("Home tab buttons = %v, want %v", got, want)
	}
	if v.CallbackID != homeCallbackID {
		t.Errorf("Home tab callback_id = %q, want %q", v.CallbackID, homeCallbackID)
	}
}

func TestHomeDestroyDestroys(t *testing.T) {
	h := newHarness(t)
	h.readyVM(alice, "box-one")
	h.readyVM(alice, "box-two")
	// The Home tab may have been published while box-two booted: wait
	// for the view that shows it ready.
	v := h.openHome(alice, "`box-two`* ready")
	click := slacktest.BlockAction{User: alice, ViewID: v.ID, ActionID: actionHomeDestroy, BlockID: homeVMBlock + "box-one",
		TriggerID: "trigger-home-1", EnvelopeID: "env-home-1"}
	h.send(click)
	h.send(click) // redelivered: destroys once
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool { return len(s.AcksFor("env-home-1")) == 2 }); err != nil {
		t.Fatal(err)
	}
	root := h.waitMessage(general, "`box-one`")
	h.waitThread(general, root.TS, "is destroyed")
	h.waitHome(alice, func(v slacktest.View) bool { return !strings.Contains(v.PlainText(), "box-one") }, "dropped box-one")
	h.svc.Wait()
	in, err := h.db.GetInstance(h.ctx, "box-one")
	if err != nil || in.Status != store.InstanceDestroyed {
		t.Errorf("box-one after Destroy = %+v, %v; want destroyed", in, err)
	}
	if n := h.demo.Calls()["DestroyInstance"]; n != 1 {
		t.Errorf("DestroyInstance called %d times, want 1", n)
	}
	if in, _ := h.db.GetInstance(h.ctx, "box-two"); in.Status != store.InstanceReady {
		t.Errorf("box-two is %s, want ready", in.Status)
	}
}

func TestHomeExtendExtends(t *testing.T) {
	h := newHarness(t)
	h.readyVM(alice, "box-one")
	before, err := h.db.GetInstance(h.ctx, "box-one")
	if err != nil {
		t.Fatal(err)
	}
	v := h.openHome(alice, "box-one")
	h.send(slacktest.BlockAction{User: alice, ViewID: v.ID, ActionID: actionHomeExtend, BlockID: homeVMBlock + "box-one"})
	h.waitHome(alice, func(v slacktest.View) bool { return strings.Contains(v.PlainText(), "now runs until") }, "said it was extended")
	after, err := h.db.GetInstance(h.ctx, "box-one")
	if err != nil {
		t.Fatal(err)
	}
	if d := after.LeaseExpiry.Sub(before.LeaseExpiry); d != 2*time.Hour {
		t.Errorf("Extend moved the lease by %v, want 2h", d)
	}
}

func TestHomeButtonOfSomeoneElse(t *testing.T) {
	h := newHarness(t)
	h.readyVM(alice, "box-one")
	v := h.openHome(alice, "box-one")
	// A crafted click: mallory presses a button of alice's tab.
	h.send(slacktest.BlockAction{User: mallory, ViewID: v.ID, ActionID: actionHomeDestroy, BlockID: homeVMBlock + "box-one"})
	h.waitHome(mallory, func(v slacktest.View) bool { return strings.Contains(v.PlainText(), "belongs to") }, "told mallory no")
	if in, _ := h.db.GetInstance(h.ctx, "box-one"); in.Status != store.InstanceReady {
		t.Errorf("box-one is %s after someone else's click, want ready", in.Status)
	}
}

func TestHomeFollowsChanges(t *testing.T) {
	h := newHarness(t, needApproval(bob))
	h.openHome(alice, "You have no VMs")
	root := h.up(alice, "gpu-box")
	h.waitHome(alice, func(v slacktest.View) bool {
		return strings.Contains(v.PlainText(), "Waiting for approval") && strings.Contains(v.PlainText(), "gpu-box")
	}, "showed the request")
	card := h.waitMessage(h.slack.DMChannel(bob), "Approval needed")
	h.click(bob, h.slack.DMChannel(bob), card.TS, actionApprove)
	h.waitThread(general, root.TS, "ssh dev@")
	h.waitHome(alice, func(v slacktest.View) bool {
		return strings.Contains(v.PlainText(), "`gpu-box`* ready") && !strings.Contains(v.PlainText(), "Waiting for approval")
	}, "showed the VM ready")
}

func TestHomeAdminSeesTheTeam(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.svc.Admins = []string{carol} })
	h.readyVM(alice, "box-one")
	h.readyVM(bob, "bobs-box")
	v := h.openHome(carol, "Team")
	for _, want := range []string{"2 instances running", "$0.0148/h together", "`box-one`", "`bobs-box`", "<@" + alice + ">", "<@" + bob + ">"} {
		if !strings.Contains(v.PlainText(), want) {
			t.Errorf("the admin's Home tab does not show %q:\n%s", want, v.PlainText())
		}
	}
	a := h.openHome(alice, "box-one")
	if strings.Contains(a.PlainText(), "Team") {
		t.Errorf("a non-admin's Home tab shows the team:\n%s", a.PlainText())
	}
	// A VM someone creates changes what the admin sees.
	h.readyVM(mallory, "third-box")
	h.waitHome(carol, func(v slacktest.View) bool { return strings.Contains(v.PlainText(), "3 instances running") }, "counted the new VM")
}
