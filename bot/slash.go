package bot

import (
	"context"
	"errors"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// onSlash handles one /spuff command. The order matters: the Service
// journals the request, the envelope is acked (with the answer, when
// there is one), and only then does anything call Slack or a cloud.
func (b *Bot) onSlash(ctx context.Context, a acker, req socketmode.Request, sc slack.SlashCommand) {
	caller := commands.Caller{User: sc.UserID, UserName: sc.UserName, Channel: sc.ChannelID}
	cmd, err := grammar.Parse(slackUnescape.Replace(sc.Text))
	if err != nil {
		b.cfg.Metrics.CommandDone("unknown", outcomeRefused)
		b.ackMessage(ctx, a, req, renderError(err, ""), sc.ResponseURL)
		return
	}
	if isBareUp(cmd) && sc.TriggerID != "" {
		b.openUpModal(ctx, a, req, sc) // modal.go
		return
	}
	// Slack keeps trigger_id when it redelivers a command; the envelope id
	// is the fallback for payloads without one.
	key := sc.TriggerID
	if key == "" {
		key = req.EnvelopeID
	}
	reply, err := b.svc.Handle(ctx, key, caller, cmd)
	b.cfg.Metrics.CommandDone(string(cmd.Verb), outcome(reply, err))
	if err != nil && !answerable(err) {
		// Not journaled (the store is out of reach): no ack, so that Slack
		// delivers the command again, to a replica that can journal it.
		b.log.Error("command not journaled; left unacknowledged", "cmd", string(cmd.Verb), "user", sc.UserID, "err", err)
		return
	}
	if err != nil {
		b.ackMessage(ctx, a, req, b.explain(err, "cmd", string(cmd.Verb), "user", sc.UserID), sc.ResponseURL)
		return
	}
	switch {
	case reply.Duplicate:
		b.ack(ctx, a, req, nil)
	case reply.Op != nil:
		op := *reply.Op
		failpoint.Inject("slash-before-ack") // journaled, not acked
		acked := op.Kind != store.OpUp && reply.Text != ""
		if acked {
			b.ackMessage(ctx, a, req, textMessage(esc(reply.Text)), sc.ResponseURL)
		} else {
			b.ack(ctx, a, req, nil) // the root message in the channel is the answer
		}
		failpoint.Inject("slash-after-ack") // acked, no thread yet
		b.startOp(ctx, op, sc.ResponseURL, acked)
		if warnings := reply.Warnings; len(warnings) > 0 {
			// Queued like the rest of the operation's messages, so that a
			// burst of commands is acked before they go out.
			b.enqueue(b.state(op.ID), func() {
				for _, w := range warnings {
					b.tell(context.WithoutCancel(ctx), sc.ChannelID, sc.UserID, sc.ResponseURL, textMessage(":warning: "+esc(w)))
				}
			})
		}
	case reply.Followup != nil:
		b.ackMessage(ctx, a, req, textMessage(esc(reply.Text)), sc.ResponseURL)
		r, err := reply.Followup(ctx)
		m := renderReply(cmd, r, b.cfg.Now())
		if err != nil {
			m = b.explain(err, "cmd", string(cmd.Verb), "user", sc.UserID)
		}
		b.tell(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, m)
	default:
		b.ackMessage(ctx, a, req, renderReply(cmd, reply, b.cfg.Now()), sc.ResponseURL)
	}
}

// slackUnescape undoes the HTML escaping Slack applies to command text.
var slackUnescape = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// Command outcomes as metrics count them.
const (
	outcomeOK        = "ok"
	outcomeRefused   = "refused"
	outcomeError     = "error"
	outcomeDuplicate = "duplicate"
)

func outcome(r commands.Reply, err error) string {
	switch {
	case err == nil && r.Duplicate:
		return outcomeDuplicate
	case err == nil:
		return outcomeOK
	}
	if _, _, mistake := commands.Refusal(err); mistake {
		return outcomeRefused
	}
	return outcomeError
}

// answerable reports whether err, from Service.Handle, is an answer for
// the person: a refusal or a cloud's typed error. Any other error means
// the request could not be read or journaled.
func answerable(err error) bool {
	var pe *providers.Error
	_, _, mistake := commands.Refusal(err)
	return mistake || errors.As(err, &pe)
}

// explain renders err for a person. An error that is not the person's
// (not a refusal or a mistake in the command line, not a cloud's typed
// error) is logged with a reference that the message repeats.
func (b *Bot) explain(err error, logArgs ...any) message {
	_, ref := commands.Describe(b.log, "command failed", err, logArgs...)
	return renderError(err, ref)
}

// startOp shows a newly accepted operation and runs it: an up gets its
// root message (and thread) before anything happens, so that every
// progress event has a place to go; other operations find their thread
// on their first event (the instance's own thread when it has one).
//
// answered reports whether the ack carried an answer, which Slack counts
// as a use of the response_url.
func (b *Bot) startOp(ctx context.Context, op store.Operation, responseURL string, answered bool) {
	st := b.state(op.ID)
	st.mu.Lock()
	st.responseURL = responseURL
	st.fresh = st.root == ""
	if answered {
		st.urlUses++
	}
	st.mu.Unlock()
	run := b.tasks.base // the operation outlives the envelope
	if op.Kind != store.OpUp {
		b.enqueue(st, func() { b.svc.Start(run, op.ID) })
		return
	}
	b.enqueue(st, func() {
		b.openThread(run, st, op, renderRequested(op))
		b.svc.Start(run, op.ID)
	})
}
