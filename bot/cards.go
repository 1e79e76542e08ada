package bot

import (
	"context"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/store"
)

// poster is the part of Slack the cards and the Home tab use; *Bot
// implements it (web.go, fallback.go, notify.go).
type poster interface {
	// post posts m in channel (in the thread of threadTS when set) and
	// returns the new message's ts.
	post(ctx context.Context, channel, threadTS string, m message, extra ...slack.MsgOption) (string, error)
	// update replaces message ts in channel with m.
	update(ctx context.Context, channel, ts string, m message, extra ...slack.MsgOption) error
	// openDM returns the bot's direct message channel with user.
	openDM(ctx context.Context, user string) (string, error)
	// dm posts m to user in a direct message, logging a failure.
	dm(ctx context.Context, user string, m message)
	// tell shows m to user alone, in channel or through responseURL.
	tell(ctx context.Context, channel, user, responseURL string, m message)
	// publishView publishes user's Home tab.
	publishView(ctx context.Context, user string, v slack.HomeTabViewRequest) error
}

// cardDeps is what each card type and the Home tab are given at
// construction, besides the Service methods they call.
type cardDeps struct {
	slack poster
	log   *slog.Logger
	now   func() time.Time
	// explain renders an error for a person, logging what is not theirs
	// (Bot.explain).
	explain func(err error, logArgs ...any) message
	// start shows and runs an operation a click started, in its
	// instance's thread (Bot.startOp).
	start func(ctx context.Context, op store.Operation)
	// notifyChannel is the team channel ("" when there is none).
	notifyChannel string
}

// cardDeps returns what the card types are given.
func (b *Bot) cardDeps() cardDeps {
	return cardDeps{
		slack:   b,
		log:     b.log,
		now:     b.cfg.Now,
		explain: b.explain,
		start: func(ctx context.Context, op store.Operation) {
			b.startOp(ctx, op, "", false)
		},
		notifyChannel: b.cfg.NotifyChannel,
	}
}

// cardRef is where one copy of a card is.
type cardRef struct{ channel, ts string }

// clickedRef is where the clicked message is.
func clickedRef(cb slack.InteractionCallback) cardRef {
	r := cardRef{channel: cb.Channel.ID, ts: cb.Container.MessageTs}
	if r.channel == "" {
		r.channel = cb.Container.ChannelID
	}
	if r.ts == "" {
		r.ts = cb.Message.Timestamp
	}
	return r
}
