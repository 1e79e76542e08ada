package bot

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store"
)

// private is a private channel the bot was invited to.
const private = "G0CLUB"

// acceptBeforeStart journals "/spuff up name" typed in channel, as a bot
// that crashed right after accepting it left it, and returns the
// operation.
func (h *harness) acceptBeforeStart(channel, name string) store.Operation {
	h.t.Helper()
	cmd, err := grammar.Parse("up " + name + " --provider demo")
	if err != nil {
		h.t.Fatal(err)
	}
	reply, err := h.svc.Handle(h.ctx, "before-crash-"+name, commands.Caller{User: alice, UserName: "alice", Channel: channel}, cmd)
	if err != nil || reply.Op == nil {
		h.t.Fatalf("Handle(up %s) = %+v, %v", name, reply, err)
	}
	return *reply.Op
}

// postAsDeadBot posts m with options as the bot's previous process did,
// and returns its ts.
func (h *harness) postAsDeadBot(channel, threadTS string, m message, opts ...slack.MsgOption) string {
	h.t.Helper()
	api := slack.New(h.slack.BotToken(), slack.OptionAPIURL(h.slack.APIURL()))
	opts = append(m.options(), opts...)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := api.PostMessageContext(h.ctx, channel, opts...)
	if err != nil {
		h.t.Fatalf("post as the dead bot: %v", err)
	}
	return ts
}

// waitReported waits until the Service knows that operation id's final
// event was shown.
func (h *harness) waitReported(id string) {
	h.t.Helper()
	testsync.Until(h.t, "operation "+id+" reported shown", func() bool {
		op, err := h.db.GetOperation(h.ctx, id)
		return err == nil && op.Reported
	})
}

// opOf returns the id of the up operation of instance name.
func (h *harness) opOf(name string) string {
	h.t.Helper()
	in, err := h.db.GetInstance(h.ctx, name)
	if err != nil {
		h.t.Fatal(err)
	}
	return in.OpID
}

// matching returns the messages whose text contains want.
func matching(msgs []slacktest.Message, want string) []slacktest.Message {
	var out []slacktest.Message
	for _, m := range msgs {
		if strings.Contains(m.PlainText(), want) {
			out = append(out, m)
		}
	}
	return out
}

func TestRootPostedBeforeACrashIsAdopted(t *testing.T) {
	for _, tc := range []struct{ name, channel string }{
		{"public channel", general},
		{"private channel", private},
		{"direct message", "D0ALICE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(s *setup) { s.noRun = true })
			h.slack.CreateChannel(private, slacktest.Private())
			if tc.channel == "D0ALICE" && h.slack.DMChannel(alice) != tc.channel {
				t.Fatalf("alice's DM is %s, want %s", h.slack.DMChannel(alice), tc.channel)
			}
			op := h.acceptBeforeStart(tc.channel, "crashed-vm")
			other := h.acceptBeforeStart(tc.channel, "other-vm")
			// The dead process posted the root, then died before journaling it.
			posted := h.postAsDeadBot(tc.channel, "", renderRequested(op), opMetadata(op.ID, false))
			h.postAsDeadBot(tc.channel, posted, textMessage("not a root"), opMetadata(other.ID, false))

			h.start()
			h.waitThread(tc.channel, posted, "ssh dev@")
			h.waitRoot(tc.channel, posted, "is ready")
			if got := matching(h.slack.Messages(tc.channel), "crashed-vm"); len(got) != 1 {
				t.Errorf("%d root messages about crashed-vm, want 1:%s", len(got), h.dump(tc.channel))
			}
			if got, err := h.db.GetOperation(h.ctx, op.ID); err != nil || got.ThreadTS != posted {
				t.Errorf("operation thread = %q, %v; want the root posted before the crash, %s", got.ThreadTS, err, posted)
			}
			// The other operation had no root: a reply with its metadata is none.
			h.waitMessage(tc.channel, "other-vm")
			if got := matching(h.slack.Messages(tc.channel), "other-vm"); len(got) != 1 || got[0].TS == posted {
				t.Errorf("root messages about other-vm = %d, want 1 of its own:%s", len(got), h.dump(tc.channel))
			}
		})
	}
}

func TestFinalEventShownAgainAfterACrash(t *testing.T) {
	for _, tc := range []struct {
		name string
		// lost reports that the crash came before the final event was
		// shown: the root still says creating, there is no final reply
		// and no team line.
		lost bool
	}{
		{name: "never shown", lost: true},
		{name: "shown, not journaled as shown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(s *setup) { s.bot.NotifyChannel = opsChan })
			root := h.up(alice, "")
			ready := h.waitThread(general, root.TS, "ssh dev@")
			name := instanceName(t, root)
			opID := h.opOf(name)
			h.waitReported(opID)
			if tc.lost {
				api := slack.New(h.slack.BotToken(), slack.OptionAPIURL(h.slack.APIURL()))
				team := h.waitMessage(opsChan, name)
				for _, m := range []slacktest.Message{ready, team} {
					if _, _, err := api.DeleteMessageContext(h.ctx, m.Channel, m.TS); err != nil {
						t.Fatal(err)
					}
				}
				creating := rootMessage(":gear: "+user(alice)+" is creating "+code(name), "")
				if _, _, _, err := api.UpdateMessageContext(h.ctx, general, root.TS, creating.options()...); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := h.db.UpdateOperation(h.ctx, opID, func(op *store.Operation) error { op.Reported = false; return nil }); err != nil {
				t.Fatal(err)
			}
			replies := len(h.slack.Thread(general, root.TS))

			if _, err := h.svc.Resume(h.ctx); err != nil { // as the next start does
				t.Fatal(err)
			}
			h.waitReported(opID)
			h.waitRoot(general, root.TS, "is ready")
			if got := matching(h.slack.Thread(general, root.TS), "ssh dev@"); len(got) != 1 {
				t.Errorf("%d ssh lines in the thread, want 1:%s", len(got), h.dump(general))
			}
			if got := len(h.slack.Thread(general, root.TS)); tc.lost && got != replies+1 || !tc.lost && got != replies {
				t.Errorf("%d replies after the restart, had %d (final reply lost: %v)", got, replies, tc.lost)
			}
			if got := matching(h.slack.Messages(opsChan), name); len(got) != 1 {
				t.Errorf("%d team lines about %s, want 1", len(got), name)
			}
		})
	}
}

// TestNoHistoryReadWithoutACrash checks that looking for messages posted
// before a crash costs nothing when there was none: a command this
// process accepted has no earlier root, and a final event shown at once
// is not looked for.
func TestNoHistoryReadWithoutACrash(t *testing.T) {
	h := newHarness(t)
	root := h.up(alice, "")
	h.waitThread(general, root.TS, "ssh dev@")
	h.waitReported(h.opOf(instanceName(t, root)))
	h.slash(alice, general, "down "+instanceName(t, root))
	h.waitRoot(general, root.TS, "destroyed")
	h.svc.Wait()
	for _, m := range []string{"conversations.history", "conversations.replies"} {
		if n := h.slack.Calls(m); n != 0 {
			t.Errorf("%d calls to %s, want none", n, m)
		}
	}
}
