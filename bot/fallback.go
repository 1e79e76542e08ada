package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// respond posts m to a response_url, shown to the person who typed the
// command (or clicked) alone. Slack accepts five posts to one
// response_url within 30 minutes.
func (b *Bot) respond(ctx context.Context, url string, m message) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	msg := &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: string(m.Text)}
	if len(m.Blocks) > 0 {
		msg.Blocks = &slack.Blocks{BlockSet: m.Blocks}
	}
	if err := slack.PostWebhookCustomHTTPContext(ctx, url, b.cfg.HTTPClient, msg); err != nil {
		return fmt.Errorf("slack: post to response_url: %w", err)
	}
	return nil
}

// tell shows m to user alone: an ephemeral message in channel, or through
// responseURL when the bot cannot post there.
func (b *Bot) tell(ctx context.Context, channel, user, responseURL string, m message) {
	err := errors.New("no channel")
	if channel != "" {
		err = b.postEphemeral(ctx, channel, user, m)
	}
	if err == nil {
		return
	}
	if responseURL == "" {
		b.log.Error("tell user", "user", user, "err", err)
		return
	}
	if rerr := b.respond(ctx, responseURL, m); rerr != nil {
		b.log.Error("tell user", "user", user, "err", err, "fallback_err", rerr)
	}
}

// respondOp posts m to the response_url of st's command while Slack
// still takes posts there, and reports whether it did.
func (b *Bot) respondOp(ctx context.Context, st *opState, m message) bool {
	st.mu.Lock()
	url := st.responseURL
	ok := url != "" && st.urlUses < maxResponseUses
	if ok {
		st.urlUses++
	}
	st.mu.Unlock()
	if !ok {
		b.log.Warn("no way left to show progress", "op", st.id)
		return false
	}
	if err := b.respond(ctx, url, m); err != nil {
		b.log.Error("respond", "op", st.id, "err", err)
		return false
	}
	return true
}
