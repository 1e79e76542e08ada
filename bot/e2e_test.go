package bot

import (
	"errors"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

func TestUpShowsProgressInAThread(t *testing.T) {
	h := newHarness(t)
	root := h.up(alice, "")
	name := instanceName(t, root)

	ready := h.waitThread(general, root.TS, "ssh dev@")
	if ip := ipv4.FindString(ready.PlainText()); ip == "" {
		t.Errorf("ready reply %q has no IPv4 address", ready.PlainText())
	} else if !strings.Contains(ready.PlainText(), "ssh dev@"+ip) {
		t.Errorf("ready reply %q lacks the ssh line for %s", ready.PlainText(), ip)
	}
	if !strings.Contains(ready.PlainText(), "Lease ends") {
		t.Errorf("ready reply %q does not give the lease expiry", ready.PlainText())
	}
	final := h.waitRoot(general, root.TS, "is ready")
	if !final.Edited {
		t.Errorf("root message was never updated in place")
	}
	thread := h.slack.Thread(general, root.TS)
	if last := thread[len(thread)-1]; last.TS != ready.TS {
		t.Errorf("thread ends with %q, want the ready reply", last.PlainText())
	}
	if got := len(h.slack.Messages(general)); got != 1 {
		t.Errorf("%d top-level messages in the channel, want 1 (the root):%s", got, h.dump(general))
	}
	in, err := h.db.GetInstance(h.ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if in.ThreadTS != root.TS || in.Channel != general {
		t.Errorf("instance thread = %s/%s, want %s/%s", in.Channel, in.ThreadTS, general, root.TS)
	}
}

func TestRedeliveredCommandCreatesOnce(t *testing.T) {
	h := newHarness(t)
	cmd := slacktest.SlashCommand{Text: "up --provider demo", EnvelopeID: "env-retry-1", TriggerID: "trigger-retry-1"}
	if _, err := h.slack.SendSlashCommand(h.ctx, cmd); err != nil {
		t.Fatal(err)
	}
	cmd.RetryAttempt, cmd.RetryReason = 1, "timeout"
	if _, err := h.slack.SendSlashCommand(h.ctx, cmd); err != nil {
		t.Fatal(err)
	}
	// Slack may also redeliver under a new envelope id; trigger_id stays.
	cmd.EnvelopeID = "env-retry-2"
	if _, err := h.slack.SendSlashCommand(h.ctx, cmd); err != nil {
		t.Fatal(err)
	}
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		return len(s.AcksFor("env-retry-1")) == 2 && len(s.AcksFor("env-retry-2")) == 1
	}); err != nil {
		t.Fatal(err)
	}
	root := h.waitMessage(general, "<@"+alice+">")
	h.waitThread(general, root.TS, "ssh dev@")
	h.svc.Wait()
	if got := h.demo.Calls()["CreateInstance"]; got != 1 {
		t.Errorf("CreateInstance called %d times, want 1", got)
	}
	if got := len(h.slack.Messages(general)); got != 1 {
		t.Errorf("%d root messages, want 1:%s", got, h.dump(general))
	}
	live, _ := h.db.ListInstances(h.ctx, store.InstanceFilter{LiveOnly: true})
	if len(live) != 1 {
		t.Errorf("%d live instances, want 1", len(live))
	}
}

func TestBadInputIsAnsweredEphemerally(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		text string
		want string // part of the answer
	}{
		{"frobnicate", "frobnicate"},
		{"up --sise small", "--sise"},
		{"up --size hugee", "hugee"},
		{"down", "down"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			ack := h.slash(alice, general, tt.text)
			if ack.Decoded.ResponseType != "ephemeral" {
				t.Errorf("/spuff %s: response_type %q, want ephemeral", tt.text, ack.Decoded.ResponseType)
			}
			if ack.Err != "" {
				t.Errorf("/spuff %s: Slack would refuse the ack: %s", tt.text, ack.Err)
			}
			got := ackText(ack)
			if !strings.Contains(got, tt.want) {
				t.Errorf("/spuff %s answered %q, want it to mention %q", tt.text, got, tt.want)
			}
			if !strings.Contains(got, ":bulb:") {
				t.Errorf("/spuff %s answered %q, want a hint", tt.text, got)
			}
		})
	}
	if got := len(h.slack.Messages(general)); got != 0 {
		t.Errorf("bad input posted %d messages in the channel:%s", got, h.dump(general))
	}
	if got := h.demo.Calls()["CreateInstance"]; got != 0 {
		t.Errorf("bad input created %d instances", got)
	}
}

func TestQueriesAreAnsweredInTheAck(t *testing.T) {
	h := newHarness(t)
	root := h.up(alice, "alice-dev")
	h.waitThread(general, root.TS, "ssh dev@")
	tests := []struct {
		text, want string
	}{
		{"list", "alice-dev"},
		{"list --all", "All instances"},
		{"status alice-dev", "203.0.113."},
		{"sizes", "medium"},
		{"help", "/spuff"},
		{"key list", "no SSH keys"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			ack := h.slash(alice, general, tt.text)
			if ack.Decoded.ResponseType != "ephemeral" || ack.Err != "" {
				t.Errorf("/spuff %s: response_type %q err %q, want ephemeral and no error", tt.text, ack.Decoded.ResponseType, ack.Err)
			}
			if got := ackText(ack); !strings.Contains(got, tt.want) {
				t.Errorf("/spuff %s answered %q, want %q in it", tt.text, got, tt.want)
			}
		})
	}
}

func TestFollowupIsPostedEphemerally(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.noWarm = true })
	ack := h.slash(alice, general, "sizes")
	if !strings.Contains(ack.Decoded.Text, "Looking up") {
		t.Errorf("/spuff sizes acked %q, want the Reply's text", ack.Decoded.Text)
	}
	h.waitEphemeral(general, alice, "medium")
}

func TestDownByOwnerOnlyAndTold(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.bot.NotifyChannel = opsChan })
	root := h.up(alice, "")
	name := instanceName(t, root)
	h.waitThread(general, root.TS, "ssh dev@")
	h.waitMessage(opsChan, "created `"+name+"`")

	ack := h.slash(mallory, general, "down "+name)
	if got := ackText(ack); ack.Decoded.ResponseType != "ephemeral" || !strings.Contains(got, "belongs to") {
		t.Errorf("/spuff down by a non-owner answered %q (%s), want an ephemeral refusal", got, ack.Decoded.ResponseType)
	}
	ack = h.slash(alice, general, "down "+name)
	if ack.Err != "" {
		t.Errorf("/spuff down ack refused: %s", ack.Err)
	}
	h.waitThread(general, root.TS, "is destroyed")
	h.waitRoot(general, root.TS, "was destroyed by <@"+alice+">")
	h.waitMessage(opsChan, "destroyed `"+name+"`")
	if got := len(h.slack.Messages(general)); got != 1 {
		t.Errorf("%d top-level messages, want only the root:%s", got, h.dump(general))
	}
	in, err := h.db.GetInstance(h.ctx, name)
	if err != nil || in.Status != store.InstanceDestroyed {
		t.Errorf("instance after down = %+v, %v; want destroyed", in, err)
	}
}

func TestReconnectsAfterDisconnect(t *testing.T) {
	h := newHarness(t)
	h.slack.Disconnect("refresh_requested")
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool { return s.ConnectionsAccepted() >= 2 && s.Connections() == 1 }); err != nil {
		t.Fatal(err)
	}
	ack := h.slash(alice, general, "help")
	if !strings.Contains(ackText(ack), "/spuff") {
		t.Errorf("after reconnect /spuff help answered %q", ackText(ack))
	}
	if err := h.slack.WaitFor(h.ctx, func(*slacktest.Server) bool { return h.bot.Connected() }); err != nil {
		t.Errorf("Connected() = false after reconnect")
	}
}

func TestInvalidAuthEndsRun(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.noRun = true })
	h.slack.SetTokens("xapp-1-other", h.slack.BotToken())
	err := h.bot.Run(h.ctx)
	if !errors.Is(err, errAuth) {
		t.Fatalf("Run = %v, want an error wrapping %v", err, errAuth)
	}
	if !strings.Contains(err.Error(), "invalid_auth") || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Errorf("Run error %q does not say what is wrong and what to check", err)
	}
	if strings.Contains(err.Error(), "xapp-") {
		t.Errorf("Run error %q contains a token", err)
	}
}

func TestPrivateChannelFallsBackToResponseURL(t *testing.T) {
	h := newHarness(t)
	h.slack.CreateChannel("G0SECRET", slacktest.Private(), slacktest.NotMember())
	id, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{ChannelID: "G0SECRET", Text: "up --provider demo"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	h.waitEphemeral("G0SECRET", alice, "/invite @spuffbot")
	h.waitEphemeral("G0SECRET", alice, "ssh dev@")
	for _, p := range h.slack.ResponseURLPosts(id) {
		if p.Err != "" {
			t.Errorf("response_url post refused: %s", p.Err)
		}
	}
}

func TestResumedOperationGetsOneRoot(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.noRun = true })
	// Accepted before a crash: journaled, but no root message was posted.
	cmd, err := grammar.Parse("up crashed-vm")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := h.svc.Handle(h.ctx, "before-crash", commands.Caller{User: alice, UserName: "alice", Channel: general}, cmd)
	if err != nil || reply.Op == nil {
		t.Fatalf("Handle = %+v, %v", reply, err)
	}
	h.start()
	root := h.waitMessage(general, "crashed-vm")
	h.waitThread(general, root.TS, "ssh dev@")
	h.waitRoot(general, root.TS, "is ready")
	if got := len(h.slack.Messages(general)); got != 1 {
		t.Errorf("%d root messages, want 1:%s", got, h.dump(general))
	}
	op, err := h.db.GetOperation(h.ctx, reply.Op.ID)
	if err != nil || op.ThreadTS != root.TS {
		t.Errorf("operation thread = %q, %v; want %q", op.ThreadTS, err, root.TS)
	}
}
