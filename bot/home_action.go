package bot

import (
	"cmp"
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/commands"
)

// onClick handles a click on Extend or Destroy in the Home tab, by
// the rules of the lease buttons (commands.Service.Lease): only the owner
// or an admin, and a click Slack delivers twice acts once. What it did is
// told on top of the clicker's Home tab; a destroy's progress goes to the
// instance's thread.
func (h *homeTab) onClick(ctx context.Context, req socketmode.Request, cb slack.InteractionCallback, act *slack.BlockAction) {
	name, clicker := act.Value, cb.User.ID
	action := commands.LeaseExtend
	if act.ActionID == actionHomeDestroy {
		action = commands.LeaseDestroy
	}
	// trigger_id is new for every click and kept when Slack redelivers it.
	key := "home/" + string(action) + "/" + name + "/" + cmp.Or(cb.TriggerID, act.ActionTs, req.EnvelopeID)
	reply, err := h.svc.Lease(ctx, name, clicker, action, key)
	var notice md
	switch {
	case err != nil:
		notice = ":warning: " + upperMD(h.explain(err, "user", clicker, "instance", name).Text)
	case reply.Duplicate:
	case reply.Op != nil:
		h.start(ctx, *reply.Op)
		notice = ":wastebasket: " + esc(reply.Text)
	case reply.Text != "":
		notice = ":alarm_clock: " + esc(reply.Text)
	}
	h.notice(ctx, clicker, notice)
}
