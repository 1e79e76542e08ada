package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
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
		case actionApprove, actionDeny:
			b.approvals.onClick(ctx, cb, act) // approvals.go
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
