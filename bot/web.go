package bot

import (
	"context"
	"errors"
	"fmt"

	"github.com/slack-go/slack"
)

// post posts m in channel, in the thread of threadTS when set, with the
// extra options (metadata), and returns the new message's ts.
func (b *Bot) post(ctx context.Context, channel, threadTS string, m message, extra ...slack.MsgOption) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	opts := append(m.options(), extra...)
	if threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(threadTS))
	}
	_, ts, err := b.web.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", fmt.Errorf("slack: post in %s: %w", channel, err)
	}
	return ts, nil
}

// update replaces message ts in channel with m, with the extra options.
func (b *Bot) update(ctx context.Context, channel, ts string, m message, extra ...slack.MsgOption) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	opts := append(m.options(), extra...)
	if len(m.Blocks) == 0 {
		opts = append(opts, slack.MsgOptionBlocks()) // clear the old blocks
	}
	if _, _, _, err := b.web.UpdateMessageContext(ctx, channel, ts, opts...); err != nil {
		return fmt.Errorf("slack: update %s in %s: %w", ts, channel, err)
	}
	return nil
}

// postEphemeral shows m to user alone, in channel.
func (b *Bot) postEphemeral(ctx context.Context, channel, user string, m message) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	if _, err := b.web.PostEphemeralContext(ctx, channel, user, m.options()...); err != nil {
		return fmt.Errorf("slack: ephemeral in %s: %w", channel, err)
	}
	return nil
}

// publishView publishes v as user's Home tab.
func (b *Bot) publishView(ctx context.Context, user string, v slack.HomeTabViewRequest) error {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	req := slack.PublishViewContextRequest{UserID: user, View: v}
	if _, err := b.web.PublishViewContext(ctx, req); err != nil {
		return fmt.Errorf("slack: publish home tab of %s: %w", user, err)
	}
	return nil
}

// openDM returns the id of the bot's direct message channel with user.
func (b *Bot) openDM(ctx context.Context, user string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	ch, _, _, err := b.web.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", fmt.Errorf("slack: open DM with %s: %w", user, err)
	}
	return ch.ID, nil
}

// cannotPost reports whether err says the bot may not post in the
// channel: a private channel it is not in, or a DM between people.
func cannotPost(err error) bool {
	var se slack.SlackErrorResponse
	return errors.As(err, &se) && (se.Err == "channel_not_found" || se.Err == "not_in_channel")
}
