package bot

import (
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/bot/slacktest"
)

// TestSnapshotsStayTheirMakersInSlack: Mallory cannot boot Alice's
// snapshot by its name, nor see it in her list, nor boot a private image
// id; Alice can do both with her own.
func TestSnapshotsStayTheirMakersInSlack(t *testing.T) {
	h := newHarness(t)
	box := h.up(alice, "box --provider demo")
	h.waitRoot(general, box.TS, "is ready")
	h.slash(alice, general, "snapshot create box secrets")
	h.waitThread(general, box.TS, "Saved a snapshot of `box`")

	h.slash(mallory, general, "up mbox --provider demo --snapshot box-secrets")
	mroot := h.waitMessage(general, "`mbox`")
	h.waitThread(general, mroot.TS, "have no snapshot `box-secrets`")
	h.waitRoot(general, mroot.TS, "could not get `mbox`")

	unjson := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	h.slash(mallory, general, "snapshot list")
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		for _, m := range s.Ephemerals(general, mallory) {
			if strings.Contains(m.PlainText(), "You have no snapshots") {
				return true
			}
		}
		return false
	}); err != nil {
		t.Errorf("mallory's snapshot list does not say she has none: %v", err)
	}
	for _, m := range h.slack.Ephemerals(general, mallory) {
		if strings.Contains(m.PlainText(), "box-secrets") {
			t.Errorf("mallory sees alice's snapshot: %q", m.PlainText())
		}
	}
	if got := unjson.Replace(ackText(h.slash(mallory, general, "snapshot list --all"))); !strings.Contains(got, "only admins") {
		t.Errorf("snapshot list --all by mallory = %q, want a refusal", got)
	}
	if got := unjson.Replace(ackText(h.slash(mallory, general, "up m2 --provider demo --image ami-0alicesprivate"))); !strings.Contains(got, "is not one Demo cloud offers to everyone") {
		t.Errorf("up --image with a private id by mallory = %q, want a refusal saying what is allowed", got)
	}

	h.slash(alice, general, "up copy --provider demo --snapshot box-secrets")
	copyRoot := h.waitMessage(general, "`copy`")
	h.waitRoot(general, copyRoot.TS, "is ready")
	h.svc.Wait()
	if got := h.demo.Calls()["CreateInstance"]; got != 2 {
		t.Errorf("CreateInstance called %d times, want 2 (box and alice's copy)", got)
	}
}
