package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// orphanAtCloud creates, straight at the demo cloud and behind spuffbot's
// back, a VM with spuff's labels as a crashed up would leave it, and
// returns its cloud id.
func (h *harness) orphanAtCloud(name, owner string) string {
	h.t.Helper()
	in, err := h.demo.CreateInstance(h.ctx, providers.InstanceRequest{Name: name, Size: "small", Region: "demo-eu",
		Labels: map[string]string{providers.LabelOwner: owner, providers.LabelOp: "lost-" + name}})
	if err != nil {
		h.t.Fatalf("CreateInstance(%s) at the demo cloud: %v", name, err)
	}
	return in.ID
}

// reconcile runs one reconciler pass and returns the orphans it reported.
func (h *harness) reconcile() []string {
	h.t.Helper()
	rep, err := h.svc.Reconcile(h.ctx)
	if err != nil {
		h.t.Fatalf("Reconcile: %v", err)
	}
	var names []string
	for _, o := range rep.Reported {
		names = append(names, o.Instance.Name)
	}
	return names
}

func TestOrphanCardAdoptAndDestroy(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c)
	idA := h.orphanAtCloud("orphan-a", bob)
	idB := h.orphanAtCloud("orphan-b", bob)
	idC := h.orphanAtCloud("orphan-c", "")
	h.demo.AddUnmanaged("someone-elses") // no spuff labels: not spuffbot's business
	c.Add(3 * time.Hour)

	if got := h.reconcile(); len(got) != 3 {
		t.Fatalf("Reconcile reported %v, want the three VMs with spuff's labels", got)
	}
	cardA := h.waitMessage(opsChan, "`orphan-a`")
	cardB := h.waitMessage(opsChan, "`orphan-b`")
	cardC := h.waitMessage(opsChan, "`orphan-c`")
	for _, want := range []string{"Demo cloud", idA, "3h", "$0.0074/h", "<@" + bob + ">", "Adopt as mine", "Destroy"} {
		if !strings.Contains(cardA.PlainText(), want) {
			t.Errorf("orphan card %q lacks %q", cardA.PlainText(), want)
		}
	}
	if strings.Contains(h.dump(opsChan), "someone-elses") {
		t.Errorf("a VM without spuff's labels was reported:%s", h.dump(opsChan))
	}

	// Only admins.
	h.click(mallory, opsChan, cardC.TS, actionOrphanDestroy)
	h.waitEphemeral(opsChan, mallory, "only admins")
	h.click(mallory, opsChan, cardA.TS, actionOrphanAdoptMine)
	h.waitEphemeral(opsChan, mallory, "only admins")
	if in, _ := h.demo.GetInstance(h.ctx, idC); in == nil {
		t.Fatal("a stranger's click destroyed an orphan")
	}

	// Adopt as mine.
	h.click(admin, opsChan, cardA.TS, actionOrphanAdoptMine)
	h.waitRoot(opsChan, cardA.TS, "Adopted by <@"+admin+">")
	if in := h.instance("orphan-a"); in.Owner != admin || in.CloudID != idA || in.Status != store.InstanceReady {
		t.Errorf("adopted orphan-a is %+v, want ready with owner %s and cloud id %s", in, admin, idA)
	}

	// Adopt for someone, chosen in the card's menu.
	h.send(slacktest.BlockAction{User: admin, Channel: opsChan, MessageTS: cardB.TS, ActionID: actionOrphanAdoptFor, Value: bob})
	h.waitRoot(opsChan, cardB.TS, "owned by <@"+bob+">")
	if in := h.instance("orphan-b"); in.Owner != bob || in.CloudID != idB {
		t.Errorf("orphan-b adopted for bob is %+v, want owner %s and cloud id %s", in, bob, idB)
	}
	h.waitMessage(h.slack.DMChannel(bob), "made you the owner of `orphan-b`")

	// Destroy.
	h.click(admin, opsChan, cardC.TS, actionOrphanDestroy)
	h.waitRoot(opsChan, cardC.TS, "Destroyed by <@"+admin+">")
	if in, err := h.demo.GetInstance(h.ctx, idC); err != nil || in != nil {
		t.Errorf("demo cloud still has orphan-c after Destroy: %+v, %v", in, err)
	}

	// Clicks on a card already decided, from a client that still shows it.
	for _, tc := range []struct {
		card   slacktest.Message
		id     string
		action string
		want   string
	}{
		{cardC, idC, actionOrphanDestroy, "already gone"},
		{cardA, idA, actionOrphanDestroy, "it is not an orphan"},
	} {
		h.send(slacktest.BlockAction{User: admin, Channel: opsChan, MessageTS: tc.card.TS, ActionID: tc.action,
			BlockID: orphanBlockID("demo", tc.id), Value: "demo/" + tc.id, Type: "button"})
		h.waitEphemeral(opsChan, admin, tc.want)
	}
	if in, _ := h.demo.GetInstance(h.ctx, idA); in == nil {
		t.Error("a click on an adopted VM's old card destroyed it")
	}
	if got := h.reconcile(); len(got) != 0 {
		t.Errorf("second Reconcile reported %v, want nothing: the orphans are adopted or gone", got)
	}

	// An adopted VM has a lease like any other, without a thread: its
	// owner is warned and told by DM.
	c.Add(8*time.Hour - warnBefore) // the default lease, from the adoption
	if w, _ := h.reap(); len(w) != 2 {
		t.Fatalf("Reap warned %v, want the two adopted VMs", w)
	}
	card := h.waitMessage(h.slack.DMChannel(bob), "Your `orphan-b` will be destroyed at")
	h.click(bob, card.Channel, card.TS, actionLeaseDestroy)
	h.waitRoot(card.Channel, card.TS, "Destroyed by <@"+bob+">")
	if in, err := h.demo.GetInstance(h.ctx, idB); err != nil || in != nil {
		t.Errorf("demo cloud still has orphan-b after Destroy now: %+v, %v", in, err)
	}
	h.waitMessage(h.slack.DMChannel(admin), "Your `orphan-a` will be destroyed at")
	c.Add(warnBefore)
	if _, exp := h.reap(); len(exp) != 1 || exp[0] != "orphan-a" {
		t.Fatalf("Reap expired %v, want [orphan-a]", exp)
	}
	h.waitMessage(h.slack.DMChannel(admin), "Your `orphan-a` was destroyed: its lease ended")
	h.waitMessage(opsChan, "`orphan-a` was destroyed when its lease ended")
}

func TestOrphanPastGraceIsDestroyedAndTold(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c, func(s *setup) { s.svc.OrphanGrace = 2 * time.Hour })
	id := h.orphanAtCloud("ancient", bob)
	c.Add(3 * time.Hour)
	rep, err := h.svc.Reconcile(h.ctx)
	if err != nil || len(rep.AutoDestroyed) != 1 {
		t.Fatalf("Reconcile = %+v, %v, want one orphan destroyed past its grace", rep, err)
	}
	h.waitMessage(opsChan, "spuffbot destroyed the untracked VM `ancient`")
	if in, err := h.demo.GetInstance(h.ctx, id); err != nil || in != nil {
		t.Errorf("demo cloud still has ancient: %+v, %v", in, err)
	}
}

func TestOrphanCardGoesToEachAdminWithoutChannel(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := costHarness(t, c, func(s *setup) {
		s.bot.NotifyChannel = ""
		s.svc.Admins = []string{admin, carol}
	})
	id := h.orphanAtCloud("stray", "")
	if got := h.reconcile(); len(got) != 1 {
		t.Fatalf("Reconcile reported %v, want [stray]", got)
	}
	mine := h.waitMessage(h.slack.DMChannel(admin), "`stray`")
	theirs := h.waitMessage(h.slack.DMChannel(carol), "`stray`")

	h.click(admin, mine.Channel, mine.TS, actionOrphanDestroy)
	h.waitRoot(mine.Channel, mine.TS, "Destroyed by <@"+admin+">")
	h.waitRoot(theirs.Channel, theirs.TS, "Destroyed by <@"+admin+">")
	if in, err := h.demo.GetInstance(h.ctx, id); err != nil || in != nil {
		t.Errorf("demo cloud still has stray after Destroy: %+v, %v", in, err)
	}
}
