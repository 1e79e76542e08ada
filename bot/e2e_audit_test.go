package bot

import (
	"strings"
	"testing"
)

// TestAuditInSlack runs /spuff audit in Slack: an admin sees the latest
// events (who, what, when, outcome), anyone else a refusal naming the
// admins, and both reads are audited.
func TestAuditInSlack(t *testing.T) {
	const root = "U0ROOT"
	h := newHarness(t, func(s *setup) { s.svc.Admins = []string{root} })
	box := h.up(alice, "box --provider demo")
	h.waitRoot(general, box.TS, "is ready")

	unjson := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	got := unjson.Replace(ackText(h.slash(root, general, "audit 5")))
	for _, want := range []string{"Audit log: the latest", "<@" + alice + ">", "*up*", "`box`", "accepted"} {
		if !strings.Contains(got, want) {
			t.Errorf("/spuff audit by an admin lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "Done.") {
		t.Errorf("/spuff audit answered %q", got)
	}

	refused := unjson.Replace(ackText(h.slash(mallory, general, "audit")))
	for _, want := range []string{"only admins can read the audit log", "<@" + root + ">"} {
		if !strings.Contains(refused, want) {
			t.Errorf("/spuff audit by mallory lacks %q:\n%s", want, refused)
		}
	}
	again := unjson.Replace(ackText(h.slash(root, general, "audit 3")))
	if !strings.Contains(again, "refused: not an admin") {
		t.Errorf("the refused read is not in the audit log:\n%s", again)
	}
}
