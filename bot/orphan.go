package bot

import (
	"context"
	"slices"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
)

// showOrphan shows an orphan event to the admins: a new orphan gets a card
// in the team channel (or, without one, in a DM to each admin); an
// adoption or destroy updates every copy of it. One without a card (an
// orphan destroyed past its grace before anyone saw it) is told in a line
// instead. The new owner of an adopted VM is told by DM. It runs on the
// orphan's queue (queueKey), so a card is posted before it is updated.
func (b *Bot) showOrphan(ctx context.Context, ev commands.Event) {
	o := ev.Orphan
	key := orphanKey(o.Provider, o.Instance.ID)
	now := b.cfg.Now()
	switch ev.Kind {
	case commands.EventOrphan:
		refs := b.postToAdmins(ctx, renderOrphanCard(orphanViewOf(ev, now)), "orphan card", key)
		b.addOrphanCards(key, refs...)
	case commands.EventOrphanAdopted, commands.EventOrphanDestroyed:
		refs := b.takeOrphanCards(key)
		if len(refs) == 0 {
			b.postToAdmins(ctx, renderOrphanLine(ev, o), "orphan notice", key)
		}
		m := renderOrphanCard(orphanViewOf(ev, now))
		for _, r := range refs {
			if err := b.update(ctx, r.channel, r.ts, m); err != nil {
				b.log.Error("update orphan card", "instance", key, "err", err)
			}
		}
		if in := ev.Instance; ev.Kind == commands.EventOrphanAdopted && in != nil && in.Owner != string(ev.Actor) {
			b.dm(ctx, in.Owner, renderAdoptedNotice(ev))
		}
	}
}

// postToAdmins posts m in the team channel or, when there is none or the
// bot cannot post there, to each admin by DM, and returns where it went.
func (b *Bot) postToAdmins(ctx context.Context, m message, what, key string) []cardRef {
	if nc := b.cfg.NotifyChannel; nc != "" {
		ts, err := b.post(ctx, nc, "", m)
		if err == nil {
			return []cardRef{{channel: nc, ts: ts}}
		}
		b.log.Error("post "+what+"; telling admins by DM", "instance", key, "err", err)
	}
	var refs []cardRef
	for _, admin := range b.svc.Admins() {
		dm, err := b.openDM(ctx, admin)
		if err != nil {
			b.log.Error("open DM with admin", "instance", key, "user", admin, "err", err)
			continue
		}
		ts, err := b.post(ctx, dm, "", m)
		if err != nil {
			b.log.Error("post "+what, "instance", key, "user", admin, "err", err)
			continue
		}
		refs = append(refs, cardRef{channel: dm, ts: ts})
	}
	if len(refs) == 0 {
		b.log.Warn("no admin could be told", "what", what, "instance", key)
	}
	return refs
}

// onOrphanClick handles the orphan card: adopting the VM for the person
// chosen in its menu or for the clicker, or destroying it. Refusals (not
// an admin, the VM adopted or gone meanwhile) are told to the clicker
// alone; what happens updates the card through the event it causes.
func (b *Bot) onOrphanClick(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	provider, cloudID, ok := parseOrphanBlockID(act.BlockID)
	if !ok {
		b.log.Warn("orphan click without its VM", "block", act.BlockID)
		return
	}
	clicker := cb.User.ID
	key := orphanKey(provider, cloudID)
	ref := clickedRef(cb)
	added := false
	if ref.channel != "" && ref.ts != "" {
		added = b.addOrphanCards(key, ref) // so that this copy is updated even after a restart
	}
	var err error
	switch act.ActionID {
	case actionOrphanAdoptFor:
		if act.SelectedUser == "" {
			return
		}
		_, err = b.svc.AdoptOrphan(ctx, provider, cloudID, act.SelectedUser, clicker)
	case actionOrphanAdoptMine:
		_, err = b.svc.AdoptOrphan(ctx, provider, cloudID, clicker, clicker)
	case actionOrphanDestroy:
		err = b.svc.DestroyOrphan(ctx, provider, cloudID, clicker)
	}
	if err == nil {
		return
	}
	if added {
		b.dropOrphanCard(key, ref)
	}
	b.tell(ctx, ref.channel, clicker, cb.ResponseURL, b.explain(err, "user", clicker, "provider", provider, "instance", cloudID))
}

// addOrphanCards records copies of the card of orphan key, each once, and
// reports whether one was new.
func (b *Bot) addOrphanCards(key string, refs ...cardRef) bool {
	b.cost.mu.Lock()
	defer b.cost.mu.Unlock()
	if b.cost.orphans == nil {
		b.cost.orphans = make(map[string][]cardRef)
	}
	added := false
	for _, r := range refs {
		if !slices.Contains(b.cost.orphans[key], r) {
			b.cost.orphans[key] = append(b.cost.orphans[key], r)
			added = true
		}
	}
	return added
}

// dropOrphanCard forgets one copy of the card of orphan key.
func (b *Bot) dropOrphanCard(key string, ref cardRef) {
	b.cost.mu.Lock()
	defer b.cost.mu.Unlock()
	refs := slices.DeleteFunc(b.cost.orphans[key], func(r cardRef) bool { return r == ref })
	if len(refs) == 0 {
		delete(b.cost.orphans, key)
		return
	}
	b.cost.orphans[key] = refs
}

// takeOrphanCards returns and forgets the copies of the card of orphan key.
func (b *Bot) takeOrphanCards(key string) []cardRef {
	b.cost.mu.Lock()
	defer b.cost.mu.Unlock()
	refs := b.cost.orphans[key]
	delete(b.cost.orphans, key)
	return refs
}
