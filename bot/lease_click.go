package bot

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
)

// onClick handles a click on a lease warning's button. The rules
// are the Service's (Service.Lease): a refusal (not the owner nor an
// admin, the instance already gone) and a click on a warning answered
// before are told to the clicker alone. An extension and a destroy show
// on the card, buttons removed; a destroy then runs in the instance's
// thread.
func (l *leaseCards) onClick(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	action, ok := leaseActions[act.ActionID]
	if !ok {
		return
	}
	name, clicker := act.Value, cb.User.ID
	ref := clickedRef(cb)
	r, err := l.svc.Lease(ctx, name, clicker, action, leaseKey(ref, cb))
	if err != nil {
		l.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, l.explain(err, "user", clicker, "instance", name))
		return
	}
	if r.Duplicate {
		l.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, renderLeaseDuplicate(name, r))
		return
	}
	var c *leaseCard
	if ref.channel != "" && ref.ts != "" {
		c = l.cardAt(name, ref, cb.Message.Blocks.BlockSet)
	}
	now := l.now()
	switch action {
	case commands.LeaseExtend:
		if c == nil {
			return
		}
		var in *commands.InstanceView
		o := leaseOutcome{Kind: leaseExtended, By: clicker, At: now}
		if len(r.Instances) > 0 {
			in = &r.Instances[0]
			o.Until = in.LeaseExpiry
		}
		l.settle(ctx, c, o, in, leaseOutcome.open) // unless its event came first
	default:
		kind := leaseDestroyRequested
		if action == commands.LeaseSnapshotDestroy {
			kind = leaseSnapshotRequested
		}
		if c != nil {
			// Shown before the destroy starts, so that its end, shown by
			// its last event, comes after.
			l.settle(ctx, c, leaseOutcome{Kind: kind, By: clicker, At: now}, nil, nil)
		}
		if r.Op != nil {
			l.start(ctx, *r.Op)
		}
	}
}

// leaseKey is the idempotency key of a click on the lease warning at ref:
// the card itself, so that whatever is clicked on it after the first
// click changes nothing. A click without a message (never seen from
// Slack) is keyed by its trigger.
func leaseKey(ref cardRef, cb slack.InteractionCallback) string {
	if ref.channel != "" && ref.ts != "" {
		return "lease/" + ref.channel + "/" + ref.ts
	}
	return "lease/trigger/" + cb.TriggerID
}
