package bot

import (
	"context"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/store"
)

// A crash can come between posting a message and journaling that it was
// posted: Slack has no idempotent post. So the messages that must not be
// posted twice carry message metadata naming their operation, and after
// a restart the bot looks for them in the channel's history before
// posting them again:
//
//   - the root message of an operation's thread, until its ts is journaled
//     (Service.AttachThread);
//   - the final reply of an operation, until the Service knows that it
//     was shown (Service.Reported).

// opEventType is the event_type of the metadata of those messages. Its
// payload holds op_id, and final: true on the final reply.
const opEventType = "spuff_operation"

// opMetadata is the metadata of operation opID's root message, or of its
// final reply when final is set.
func opMetadata(opID string, final bool) slack.MsgOption {
	payload := map[string]any{"op_id": opID}
	if final {
		payload["final"] = true
	}
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: opEventType, EventPayload: payload})
}

// isOpMessage reports whether m carries the metadata of operation opID,
// of its final reply when final is set.
func isOpMessage(m slack.Message, opID string, final bool) bool {
	md := m.Metadata
	if md.EventType != opEventType || md.EventPayload["op_id"] != opID {
		return false
	}
	return !final || md.EventPayload["final"] == true
}

const (
	// lookBack is how long before an operation was journaled its messages
	// are looked for: the clocks of Slack and of the bot differ.
	lookBack = time.Minute
	// historyPage is how many messages one history call asks for.
	historyPage = 200
)

// findRoot returns the ts of the root message of op posted by a process
// that stopped before it could journal it, or "" when there is none. Of
// several, it returns the first posted.
func (b *Bot) findRoot(ctx context.Context, op store.Operation) (string, error) {
	params := &slack.GetConversationHistoryParameters{
		ChannelID: op.Channel, Oldest: slackTS(op.Created.Add(-lookBack)), Limit: historyPage, IncludeAllMetadata: true,
	}
	found := ""
	for {
		resp, err := b.history(ctx, params)
		if err != nil {
			return "", fmt.Errorf("slack: history of %s: %w", op.Channel, err)
		}
		for _, m := range resp.Messages { // newest first
			top := m.ThreadTimestamp == "" || m.ThreadTimestamp == m.Timestamp
			if top && isOpMessage(m, op.ID, false) {
				found = m.Timestamp
			}
		}
		if !resp.HasMore || resp.ResponseMetaData.NextCursor == "" {
			return found, nil
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
}

func (b *Bot) history(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	return b.web.GetConversationHistoryContext(ctx, params)
}

// finalPosted reports whether the thread root in channel holds the final
// reply of op.
func (b *Bot) finalPosted(ctx context.Context, channel, root string, op store.Operation) (bool, error) {
	params := &slack.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: root, Oldest: slackTS(op.Created.Add(-lookBack)), Limit: historyPage, IncludeAllMetadata: true,
	}
	for {
		msgs, more, cursor, err := b.replies(ctx, params)
		if err != nil {
			return false, fmt.Errorf("slack: replies to %s in %s: %w", root, channel, err)
		}
		for _, m := range msgs {
			if isOpMessage(m, op.ID, true) {
				return true, nil
			}
		}
		if !more || cursor == "" {
			return false, nil
		}
		params.Cursor = cursor
	}
}

func (b *Bot) replies(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	return b.web.GetConversationRepliesContext(ctx, params)
}

// slackTS formats t as a Slack message timestamp.
func slackTS(t time.Time) string {
	us := max(t.UnixMicro(), 0)
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}
