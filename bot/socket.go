package bot

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// acker acknowledges Socket Mode envelopes; *socketmode.Client is one.
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// gated is an acker for one envelope that holds the ack gate until the
// envelope is acked (or its handler returns without an ack).
type gated struct {
	acker
	g     *gate
	once  *sync.Once
	timed *sync.Once
	start time.Time
	m     Metrics
}

// hold enters the gate for an envelope about to be handled.
func (b *Bot) hold(a acker) gated {
	b.acks.enter()
	return gated{acker: a, g: b.acks, once: new(sync.Once), timed: new(sync.Once), start: time.Now(), m: b.cfg.Metrics}
}

func (a gated) release() { a.once.Do(a.g.leave) }

// AckCtx acks, leaves the gate and records the time from receipt to ack.
func (a gated) AckCtx(ctx context.Context, envelopeID string, payload any) error {
	defer a.release()
	err := a.acker.AckCtx(ctx, envelopeID, payload)
	a.timed.Do(func() { a.m.ObserveAck(time.Since(a.start)) })
	return err
}

// maxAck is the largest ack payload the bot sends. Socket Mode drops
// responses of 20 KiB or more; a bigger answer goes to the response_url.
const maxAck = 16 * 1024

// dispatch handles one item from the Socket Mode client's Events channel.
// It never blocks on a Web API or cloud call: envelopes are handled in
// their own goroutines, so the loop keeps draining the channel.
func (b *Bot) dispatch(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		b.log.Info("connected to slack")
		b.resume.Do(func() { b.spawn(func() { b.resumeOps(ctx) }) })
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		if ce, ok := evt.Data.(*slack.ConnectionErrorEvent); ok {
			b.log.Warn("slack connection failed; retrying", "err", ce.ErrorObj, "backoff", ce.Backoff)
		}
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack refused the app token")
	case socketmode.EventTypeErrorBadMessage:
		if bm, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			b.log.Warn("unreadable socket mode message", "err", bm.Cause)
		}
	case socketmode.EventTypeErrorWriteFailed:
		if wf, ok := evt.Data.(*socketmode.ErrorWriteFailed); ok {
			b.log.Warn("socket mode write failed", "err", wf.Cause)
		}
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		req, a := *evt.Request, b.hold(client)
		b.spawn(func() {
			defer a.release()
			b.onSlash(ctx, a, req, cmd)
		})
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		req, a := *evt.Request, b.hold(client)
		b.spawn(func() {
			defer a.release()
			b.onInteraction(ctx, a, req, cb)
		})
	case socketmode.EventTypeEventsAPI:
		// Ack at once so that Slack does not retry, then handle (interact.go).
		if evt.Request != nil {
			req, data := *evt.Request, evt.Data
			b.spawn(func() {
				b.ack(ctx, client, req, nil)
				b.onEvent(ctx, data)
			})
		}
	}
}

// resumeOps restarts the Service's unfinished operations.
func (b *Bot) resumeOps(ctx context.Context) {
	n, err := b.svc.Resume(ctx)
	if err != nil {
		b.log.Error("resume operations", "err", err)
		return
	}
	if n > 0 {
		b.log.Info("resumed operations", "count", n)
	}
}

// ack acknowledges req with payload (nil: an empty ack).
func (b *Bot) ack(ctx context.Context, a acker, req socketmode.Request, payload any) {
	if req.EnvelopeID == "" {
		return
	}
	if err := a.AckCtx(ctx, req.EnvelopeID, payload); err != nil {
		b.log.Error("ack", "envelope", req.EnvelopeID, "err", err)
	}
}

// ephemeralPayload is a slash command's answer in its ack: only the person
// who typed the command sees it.
type ephemeralPayload struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

func ephemeral(m message) ephemeralPayload {
	return ephemeralPayload{ResponseType: slack.ResponseTypeEphemeral, Text: string(m.Text), Blocks: m.Blocks}
}

// ackMessage acks req with m shown ephemerally. An answer too big for an
// ack goes to responseURL instead, after a short ack.
func (b *Bot) ackMessage(ctx context.Context, a acker, req socketmode.Request, m message, responseURL string) {
	p := ephemeral(m)
	if raw, err := json.Marshal(p); err == nil && len(raw) < maxAck {
		b.ack(ctx, a, req, p)
		return
	}
	b.ack(ctx, a, req, ephemeral(textMessage(m.Text)))
	if responseURL != "" {
		b.spawn(func() {
			if err := b.respond(context.WithoutCancel(ctx), responseURL, m); err != nil {
				b.log.Error("respond", "err", err)
			}
		})
	}
}
