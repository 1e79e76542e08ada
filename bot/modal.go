package bot

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
)

// catalogWait bounds how long the modal waits for a cloud's catalog that
// was not cached.
const catalogWait = 20 * time.Second

// isBareUp reports whether cmd is `/spuff up` with nothing after it,
// which opens the modal instead of creating a VM with every default.
func isBareUp(cmd grammar.Command) bool {
	return cmd == grammar.Command{Verb: grammar.VerbUp}
}

// openUpModal answers a bare `/spuff up` with the modal. The trigger_id
// is good for one views.open within 3 s, so the form is built from what
// is cached: the envelope is acked first, the modal opened right after.
// A cloud whose catalog is not cached gets typed region and size inputs,
// turned into choices with prices once the catalog has loaded.
func (b *Bot) openUpModal(ctx context.Context, a acker, req socketmode.Request, sc slack.SlashCommand) {
	caller := commands.Caller{User: sc.UserID, UserName: sc.UserName, Channel: sc.ChannelID}
	f, load := b.upForm(ctx, caller, "")
	f.Meta = upMeta{Channel: sc.ChannelID, ResponseURL: sc.ResponseURL}
	b.ack(ctx, a, req, nil)
	v, err := b.openView(ctx, sc.TriggerID, renderUpModal(f))
	if err != nil {
		b.log.Error("open up modal", "user", sc.UserID, "err", err)
		b.tell(ctx, sc.ChannelID, sc.UserID, sc.ResponseURL, textMessage(":warning: I could not open the form. "+
			"Type the command instead, like `/spuff up --size &lt;size&gt; --region &lt;region&gt;`; `/spuff sizes` lists the sizes."))
		return
	}
	if load == nil {
		return
	}
	b.spawn(func() {
		lctx, cancel := context.WithTimeout(ctx, catalogWait)
		defer cancel()
		b.loadInto(lctx, &f, load)
		// A hash conflict means the person changed the modal meanwhile.
		if _, err := b.updateView(ctx, v.ID, v.Hash, renderUpModal(f)); err != nil {
			b.log.Warn("fill up modal", "user", sc.UserID, "err", err)
		}
	})
}

// onUpCloud rebuilds the modal for the cloud just chosen, keeping what
// the person typed. There is no trigger to race here, so a catalog that
// is not cached is waited for.
func (b *Bot) onUpCloud(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	meta := decodeUpMeta(cb.View.PrivateMetadata)
	in := readUpInput(cb.View)
	in.Region, in.Size = "", "" // another cloud's
	caller := commands.Caller{User: cb.User.ID, UserName: cb.User.Name, Channel: meta.Channel}
	f, load := b.upForm(ctx, caller, act.SelectedOption.Value)
	if load != nil {
		lctx, cancel := context.WithTimeout(ctx, catalogWait)
		b.loadInto(lctx, &f, load)
		cancel()
	}
	f.Meta, f.In = meta, in
	if _, err := b.updateView(ctx, cb.View.ID, cb.View.Hash, renderUpModal(f)); err != nil {
		b.log.Warn("update up modal", "user", cb.User.ID, "err", err)
	}
}

// upForm builds the modal for cloud ("": the default one) from the
// cached catalog. When the catalog is not cached, it returns the form
// with typed inputs and the function that loads the catalog.
func (b *Bot) upForm(ctx context.Context, c commands.Caller, cloud string) (upForm, func(context.Context) (commands.Reply, error)) {
	clouds := b.svc.Providers()
	f := upForm{Clouds: clouds, Cloud: cloud}
	if cloud == "" && len(clouds) == 1 {
		f.Cloud = clouds[0]
	}
	r, err := b.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbSizes, Provider: cloud})
	switch {
	case err != nil:
		f.Notice = b.explain(err, "cmd", "up", "user", c.User)
	case r.Sizes != nil:
		f.Cloud, f.Sizes = r.Sizes.Provider, r.Sizes
	case r.Followup != nil:
		what := "the sizes"
		if f.Cloud != "" {
			what = commands.Label(f.Cloud) + "'s sizes"
		}
		f.Notice = upNotice(mdf(":hourglass_flowing_sand: Loading %s… Type a region and size, or wait a moment for the lists.", what))
		return f, r.Followup
	}
	return f, nil
}

// loadInto loads the catalog into f, or says in f why it could not.
func (b *Bot) loadInto(ctx context.Context, f *upForm, load func(context.Context) (commands.Reply, error)) {
	r, err := load(ctx)
	if err != nil || r.Sizes == nil {
		if err == nil {
			err = fmt.Errorf("no catalog for %q", f.Cloud)
		}
		f.Notice = b.explain(err, "cmd", "sizes", "provider", f.Cloud)
		f.Notice.Blocks = append(f.Notice.Blocks, contextBlock("Type a region and size, or leave them empty for the defaults."))
		return
	}
	f.Cloud, f.Sizes, f.Notice = r.Sizes.Provider, r.Sizes, message{}
}

// readUpInput reads what the person entered in the modal.
func readUpInput(v slack.View) upInput {
	meta := decodeUpMeta(v.PrivateMetadata)
	var vals map[string]map[string]slack.BlockAction
	if v.State != nil {
		vals = v.State.Values
	}
	get := func(block, action string) string {
		a := vals[block][action]
		return strings.TrimSpace(cmp.Or(a.SelectedOption.Value, a.Value))
	}
	return upInput{
		Cloud:    get(upCloudBlock, actionUpCloud),
		Region:   strings.ToLower(get(upRegionBlock(meta), actionUpInput)),
		Size:     strings.ToLower(get(upSizeBlock(meta), actionUpInput)),
		Lease:    get(upLeaseBlock, actionUpInput),
		Name:     get(upNameBlock, actionUpInput),
		Snapshot: get(upSnapBlock, actionUpInput),
	}
}

// openView opens a modal with a trigger_id.
func (b *Bot) openView(ctx context.Context, trigger string, v slack.ModalViewRequest) (*slack.View, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	r, err := b.web.OpenViewContext(ctx, trigger, v)
	if err != nil {
		return nil, fmt.Errorf("slack: open view: %w", err)
	}
	return &r.View, nil
}

// updateView replaces view id with v unless it changed since hash.
func (b *Bot) updateView(ctx context.Context, id, hash string, v slack.ModalViewRequest) (*slack.View, error) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	r, err := b.web.UpdateViewContext(ctx, v, "", hash, id)
	if err != nil {
		return nil, fmt.Errorf("slack: update view %s: %w", id, err)
	}
	return &r.View, nil
}
