package bot

import (
	"context"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
)

// onClick handles a click on an idle warning's button, with the rules
// of the Service (Service.Idle): a refusal and a click on a warning
// answered before are told to the clicker alone. A keep and a destroy
// show on the card, buttons removed; a destroy then runs in the
// instance's thread.
func (i *idleCards) onClick(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	action, ok := idleActions[act.ActionID]
	if !ok {
		return
	}
	name, clicker := act.Value, cb.User.ID
	ref := clickedRef(cb)
	r, err := i.svc.Idle(ctx, name, clicker, action, idleKey(ref, cb))
	if err != nil {
		i.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, i.explain(err, "user", clicker, "instance", name))
		return
	}
	if r.Duplicate {
		i.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, renderIdleDuplicate(name, r))
		return
	}
	var c *idleCard
	if ref.channel != "" && ref.ts != "" {
		c = i.cardAt(name, ref, cb.Message.Blocks.BlockSet)
	}
	now := i.now()
	switch action {
	case commands.IdleKeep, commands.IdleKeepLease:
		if c == nil {
			return
		}
		o := idleOutcome{Kind: idleKept, By: clicker, At: now}
		if len(r.Instances) > 0 {
			o.Until = r.Instances[0].Idle.KeepUntil
		}
		i.settle(ctx, c, o, idleOutcome.open) // unless its event came first
	default:
		kind := idleDestroyRequested
		if action == commands.IdleSnapshotDestroy {
			kind = idleSnapshotRequested
		}
		if c != nil {
			i.settle(ctx, c, idleOutcome{Kind: kind, By: clicker, At: now}, nil)
		}
		if r.Op != nil {
			i.start(ctx, *r.Op)
		}
	}
}

// idleKey is the idempotency key of a click on the idle warning at ref:
// the card itself, so that whatever is clicked on it after the first
// click changes nothing.
func idleKey(ref cardRef, cb slack.InteractionCallback) string {
	if ref.channel != "" && ref.ts != "" {
		return "idle/" + ref.channel + "/" + ref.ts
	}
	return "idle/trigger/" + cb.TriggerID
}
