package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/store"
)

// onInteraction handles a click. The ack goes first: what the click
// changes is shown with Web API calls afterwards.
func (b *Bot) onInteraction(ctx context.Context, a acker, req socketmode.Request, cb slack.InteractionCallback) {
	if cb.Type == slack.InteractionTypeViewSubmission {
		b.onViewSubmission(ctx, a, req, cb) // the ack is the answer (modal_submit.go)
		return
	}
	b.ack(ctx, a, req, nil)
	if cb.Type != slack.InteractionTypeBlockActions {
		return
	}
	for _, act := range cb.ActionCallback.BlockActions {
		switch act.ActionID {
		case actionApprove:
			b.decide(ctx, cb, act, true)
		case actionDeny:
			b.decide(ctx, cb, act, false)
		case actionLeaseExtend, actionLeaseDestroy, actionLeaseSnapshot:
			b.leases.onClick(ctx, cb, act) // lease_click.go
		case actionIdleKeep, actionIdleKeepLease, actionIdleDestroy, actionIdleSnapshot:
			b.idle.onClick(ctx, cb, act) // idle_click.go
		case actionOrphanAdoptMine, actionOrphanAdoptFor, actionOrphanDestroy:
			b.orphans.onClick(ctx, cb, act) // orphan.go
		case actionUpCloud:
			b.onUpCloud(ctx, cb, act) // modal.go
		case actionHomeExtend, actionHomeDestroy:
			b.home.onClick(ctx, req, cb, act) // home_action.go
		}
	}
}

// decide records a click on Approve or Deny. A refusal (the requester, or
// someone who is not an approver) is told to the clicker alone, as is a
// click on a request decided before. A decision updates every copy of the
// card and tells the requester's thread, through the events it causes.
func (b *Bot) decide(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction, approve bool) {
	opID, clicker := act.Value, cb.User.ID
	channel := cb.Channel.ID
	if channel == "" {
		channel = cb.Container.ChannelID
	}
	ts := cb.Container.MessageTs
	if ts == "" {
		ts = cb.Message.Timestamp
	}
	st := b.state(opID)
	if channel != "" && ts != "" {
		st.addCard(channel, ts) // so that this copy is updated even after a restart
	}
	d, err := b.svc.Decide(ctx, opID, clicker, approve)
	if err != nil {
		b.dropIfUnknown(st)
		b.tell(ctx, channel, clicker, cb.ResponseURL, b.explain(err, "user", clicker, "op", opID))
		return
	}
	if d.Changed {
		return
	}
	b.tell(ctx, channel, clicker, cb.ResponseURL, renderAlreadyDecided(d.Approval))
	if channel == "" || ts == "" {
		return
	}
	b.enqueue(st, func() { b.showDecided(ctx, st, channel, ts, d.Approval, cb.Message.Blocks.BlockSet) })
}

// showDecided makes one copy of a card show its decision: the card as the
// bot last rendered it, or else the clicked message without its buttons.
func (b *Bot) showDecided(ctx context.Context, st *opState, channel, ts string, a store.Approval, shown []slack.Block) {
	st.mu.Lock()
	c := st.card
	st.mu.Unlock()
	var m message
	if c != nil {
		cv := *c
		cv.decided(a)
		m = renderCard(cv)
	} else {
		m = decidedFromBlocks(shown, a)
	}
	if err := b.update(ctx, channel, ts, m); err != nil {
		b.log.Error("update approval card", "op", st.id, "err", err)
	}
}

// dropIfUnknown forgets st when it holds nothing but a card: the click
// named an operation that this process never showed.
func (b *Bot) dropIfUnknown(st *opState) {
	st.mu.Lock()
	idle := st.root == "" && st.card == nil && !st.running && len(st.pending) == 0
	if idle {
		st.final = true
	}
	st.mu.Unlock()
	if idle {
		b.forget(st)
	}
}

// onEvent handles an Events API event: app_home_opened publishes the
// Home tab of the person who opened it (home.go).
func (b *Bot) onEvent(ctx context.Context, data any) {
	ev, ok := data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	var user, tab string
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		user, tab = e.User, e.Tab
	case slackevents.AppHomeOpenedEvent:
		user, tab = e.User, e.Tab
	default:
		return
	}
	if user == "" || (tab != "" && tab != "home") {
		return // the Messages tab
	}
	b.home.opened(ctx, user)
}
