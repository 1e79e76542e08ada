package bot

import (
	"fmt"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/store"
)

// injections are what a person may type to make the bot speak for them:
// a broadcast, a mention of someone the bot never names itself, a link.
var injections = []string{"<!channel>", "<!here>", "<@U0VICTIM>", "<https://evil.example|click-to-fix>"}

// live are the forms of injections that Slack would act on.
var live = []string{"<!channel>", "<!here>", "<@U0VICTIM>", "<https://evil.example"}

// injectTemplates are every command, with %s where an argument goes;
// {n} is a fresh instance name.
var injectTemplates = []string{
	"%s",
	"up %s",
	"up {n} --size %s", "up {n} --region %s", "up {n} --provider %s",
	"up {n} --image %s", "up {n} --snapshot %s", "up {n} --ttl %s",
	"down %s", "down %s --snapshot",
	"list %s", "status %s",
	"extend %s 2h", "extend box %s", "keep %s", "keep %s lease",
	"snapshot create box %s", "snapshot create %s", "snapshot delete %s", "snapshot list %s",
	"key add %s", "key add ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl %s", "key remove %s",
	"sizes --provider %s", "audit %s", "help %s",
}

// TestInjectedMarkupNeverGoesLive runs every command with a broadcast, a
// mention and a link in each argument, as a person and as an admin (whose
// custom image and snapshot get as far as the cloud, and whose failures
// come back in the cloud's words), through the fake Slack, and checks
// every message posted or updated, every ephemeral, ack, response_url
// post and view: none carries them live.
func TestInjectedMarkupNeverGoesLive(t *testing.T) {
	const root = "U0ROOT"
	h := newHarness(t, func(s *setup) {
		s.bot.NotifyChannel = opsChan
		s.svc.Admins = []string{root}
	})
	box := h.up(alice, "box --provider demo")
	h.waitRoot(general, box.TS, "is ready")

	n := 0
	var envelopes []string
	for _, who := range []string{alice, root} {
		for _, tmpl := range injectTemplates {
			for _, inj := range injections {
				n++
				text := strings.ReplaceAll(fmt.Sprintf(tmpl, inj), "{n}", fmt.Sprintf("inj%d", n))
				// Slack sends the text HTML-escaped, as typed.
				escaped := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(text)
				id, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: who, ChannelID: general, Text: escaped})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := h.slack.WaitAck(h.ctx, id); err != nil {
					t.Fatalf("/spuff %s: %v", text, err)
				}
				envelopes = append(envelopes, id)
			}
		}
	}
	// Every accepted command was journaled before its ack: wait for each
	// to end, and for the bot to show the end.
	if err := h.slack.WaitFor(h.ctx, func(*slacktest.Server) bool {
		ops, err := h.db.ListOperations(h.ctx, true)
		return err == nil && len(ops) == 0
	}); err != nil {
		t.Fatalf("operations still open: %v", err)
	}
	h.svc.Wait()
	if err := h.bot.Drain(h.ctx); err != nil {
		t.Fatalf("Drain: %v", err)
	}

	var sent []string
	for _, method := range []string{"chat.postMessage", "chat.update", "chat.postEphemeral", "views.publish", "views.open", "views.update"} {
		for _, c := range h.slack.CallLog(method) {
			sent = append(sent, method+" "+c.Params.Get("text")+" "+c.Params.Get("blocks")+" "+string(c.Body))
		}
	}
	for _, a := range h.slack.Acks() {
		sent = append(sent, "ack "+string(a.Payload))
	}
	for _, id := range envelopes {
		for _, p := range h.slack.ResponseURLPosts(id) {
			sent = append(sent, "response_url "+string(p.Body))
		}
	}
	unjson := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&")
	shownEscaped := 0
	for _, s := range sent {
		s = unjson.Replace(s)
		for _, l := range live {
			if strings.Contains(s, l) {
				t.Errorf("%q went out live:\n%.2000s", l, s)
			}
		}
		if strings.Contains(s, "&lt;!channel&gt;") {
			shownEscaped++
		}
	}
	// The injections did reach the messages, escaped: the test saw them.
	if shownEscaped == 0 {
		t.Errorf("no message showed an injection escaped; the test checked nothing (%d messages)", len(sent))
	}
	// The admin's snapshot boot failed at the cloud, in the thread and the
	// team channel, with the id as typed: escaped there too.
	failed := 0
	ops, err := h.db.ListOperations(h.ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.State == store.OpFailed && strings.Contains(op.Error, "<!channel>") {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("no operation failed with the injected text in its error; the thread path was not exercised")
	}
	t.Logf("%d commands, %d outgoing messages, %d showed an injection escaped, %d operations failed quoting one", n, len(sent), shownEscaped, failed)
}
