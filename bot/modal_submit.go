package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
)

// onViewSubmission answers a modal's submit button. Its ack is the
// answer: errors next to the inputs, an updated modal, or the modal
// closed.
func (b *Bot) onViewSubmission(ctx context.Context, a acker, req socketmode.Request, cb slack.InteractionCallback) {
	if cb.View.CallbackID != upCallbackID {
		b.ack(ctx, a, req, nil) // not spuffbot's (any more): close it
		return
	}
	meta := decodeUpMeta(cb.View.PrivateMetadata)
	in := readUpInput(cb.View)
	caller := commands.Caller{User: cb.User.ID, UserName: cb.User.Name, Channel: meta.Channel}
	cmd, errs := b.checkUp(ctx, caller, meta, in)
	if len(errs) > 0 {
		b.cfg.Metrics.CommandDone(string(grammar.VerbUp), outcomeRefused)
		b.ack(ctx, a, req, slack.NewErrorsViewSubmissionResponse(errs))
		return
	}
	// A modal makes at most one VM: its view id is the idempotency key,
	// so that a redelivered submission starts nothing new.
	reply, err := b.svc.Handle(ctx, "modal/"+cb.View.ID, caller, cmd)
	b.cfg.Metrics.CommandDone(string(cmd.Verb), outcome(reply, err))
	if err != nil {
		b.ack(ctx, a, req, b.refusedUp(ctx, caller, meta, in, err))
		return
	}
	b.ack(ctx, a, req, slack.NewClearViewSubmissionResponse())
	if reply.Duplicate || reply.Op == nil {
		return
	}
	b.startOp(ctx, *reply.Op, meta.ResponseURL, false)
	if len(reply.Warnings) > 0 {
		lines := make([]md, 0, len(reply.Warnings))
		for _, w := range reply.Warnings {
			lines = append(lines, ":warning: "+esc(w))
		}
		b.tell(ctx, meta.Channel, caller.User, meta.ResponseURL, textMessage(mdJoin(lines, "\n")))
	}
}

// refusedUp is the answer to a submission the Service refused for a
// reason no one input is to blame for (the quota, the channel, a lease
// above the maximum): the modal again, the reason on top. An answer too
// big for an ack puts the reason under the cloud input instead.
func (b *Bot) refusedUp(ctx context.Context, c commands.Caller, meta upMeta, in upInput, err error) *slack.ViewSubmissionResponse {
	f, _ := b.upForm(ctx, c, meta.Cloud)
	if meta.Listed != listable(f) {
		f.Sizes, f.Cloud = nil, meta.Cloud // keep the inputs the person filled in
	}
	f.Meta, f.In = meta, in
	why := b.explain(err, "cmd", "up", "user", c.User)
	f.Notice = why
	v := renderUpModal(f)
	resp := slack.NewUpdateViewSubmissionResponse(&v)
	if raw, jerr := json.Marshal(resp); jerr != nil || len(raw) >= maxAck {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{upCloudBlock: fieldText(commands.Explain(err, ""))})
	}
	return resp
}

// checkUp validates what was entered and returns the command, or the
// errors to show next to the inputs, keyed by block id. Region and size
// are checked against the cloud's cached catalog, as the Service would.
func (b *Bot) checkUp(ctx context.Context, c commands.Caller, meta upMeta, in upInput) (grammar.Command, map[string]string) {
	errs := map[string]string{}
	cmd := grammar.Command{Verb: grammar.VerbUp, Provider: in.Cloud, Region: in.Region, Size: in.Size, Snapshot: in.Snapshot}
	switch {
	case in.Cloud == "":
		errs[upCloudBlock] = "Choose a cloud."
	case !slices.Contains(b.svc.Providers(), in.Cloud):
		errs[upCloudBlock] = fmt.Sprintf("%s is not configured here.", commands.Label(in.Cloud))
	case meta.Listed && in.Cloud != meta.Cloud:
		errs[upCloudBlock] = fmt.Sprintf("The regions and sizes below are %s's; choose the cloud again to reload them.", commands.Label(meta.Cloud))
	default:
		b.checkPlace(ctx, c, meta, in, errs)
	}
	if in.Lease != "" {
		d, err := grammar.ParseDuration(in.Lease)
		switch {
		case err != nil:
			errs[upLeaseBlock] = fmt.Sprintf("%q is not a duration; use a number and a unit, like 90m, 4h or 2d.", in.Lease)
		case d <= 0:
			errs[upLeaseBlock] = "The lease must be longer than zero."
		}
		cmd.TTL = d
	}
	if in.Name != "" {
		if err := grammar.CheckName(in.Name); err != nil {
			errs[upNameBlock] = fieldText(err.Error())
		} else if taken := b.nameTaken(ctx, c, in.Name); taken != "" {
			errs[upNameBlock] = taken
		}
		cmd.Name = in.Name
	}
	if p := snapshotProblem(in.Snapshot); p != "" {
		errs[upSnapBlock] = p
	}
	if len(errs) > 0 {
		return grammar.Command{}, errs
	}
	return cmd, nil
}

// checkPlace checks region and size against the cloud's catalog, when it
// is cached; otherwise the operation checks them and says so in its thread.
func (b *Bot) checkPlace(ctx context.Context, c commands.Caller, meta upMeta, in upInput, errs map[string]string) {
	r, err := b.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbSizes, Provider: in.Cloud})
	if err != nil || r.Sizes == nil {
		return
	}
	v := r.Sizes
	region := cmp.Or(in.Region, v.DefaultRegion)
	if region == "" {
		region = firstRegion(v.Regions)
	}
	if !slices.ContainsFunc(v.Regions, func(r providers.Region) bool { return r.Slug == region && r.Available }) {
		errs[upRegionBlock(meta)] = fmt.Sprintf("%s has no region %q.", v.ProviderLabel, region)
		return
	}
	if in.Size == "" {
		return // the Service picks the default
	}
	i := slices.IndexFunc(v.Sizes, func(s providers.Size) bool { return s.Slug == in.Size })
	var offered []string
	for _, s := range v.Sizes {
		if s.Offered(region) {
			offered = append(offered, s.Slug)
		}
	}
	switch {
	case i < 0:
		errs[upSizeBlock(meta)] = fieldText(fmt.Sprintf("%s has no size %q. In %s: %s.", v.ProviderLabel, in.Size, region, strings.Join(offered, ", ")))
	case !v.Sizes[i].Offered(region):
		errs[upSizeBlock(meta)] = fieldText(fmt.Sprintf("%s is not offered in %s; there: %s.", in.Size, region, strings.Join(offered, ", ")))
	}
}

// nameTaken says why name cannot be used when a live instance has it.
func (b *Bot) nameTaken(ctx context.Context, c commands.Caller, name string) string {
	r, err := b.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbStatus, Name: name})
	if err != nil || len(r.Instances) == 0 || !r.Instances[0].Status.Live() {
		return ""
	}
	if r.Instances[0].Owner == c.User {
		return "You already have an instance with this name; pick another, or leave it empty."
	}
	return "Someone else's instance has this name; pick another, or leave it empty."
}

func firstRegion(rs []providers.Region) string {
	for _, r := range rs {
		if r.Available {
			return r.Slug
		}
	}
	return ""
}

// snapshotProblem says what is wrong with a snapshot id or name.
func snapshotProblem(s string) string {
	switch {
	case len(s) > 255:
		return "That is too long for a snapshot id or name."
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '`' }):
		return "A snapshot id or name has no spaces or backticks; /spuff snapshot list shows them."
	}
	return ""
}

// fieldText turns a sentence for mrkdwn into one for an input's error,
// which is plain text: quotes for backticks, a capital first letter, cut
// to a length Slack shows.
func fieldText(s string) string {
	return clip(upper(strings.ReplaceAll(s, "`", "\"")), 300)
}
