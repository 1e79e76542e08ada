package bot

import (
	"context"
	"slices"
	"sync"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// orphanService is what the orphan cards ask of the Service.
type orphanService interface {
	AdoptOrphan(ctx context.Context, provider, cloudID, owner, actor string) (*store.Instance, error)
	DestroyOrphan(ctx context.Context, provider, cloudID, actor string) error
	Admins() []string
}

// orphanCards are the cards that show the admins a VM the bot manages but
// has no record of, with buttons to adopt or destroy it. Where each copy
// of a card went is kept in memory only: after a restart a click still
// works, and updates the card it was made on.
type orphanCards struct {
	cardDeps
	svc orphanService

	mu    sync.Mutex
	cards map[string][]cardRef // orphanKey -> copies of its card
}

func newOrphanCards(d cardDeps, svc orphanService) *orphanCards {
	return &orphanCards{cardDeps: d, svc: svc, cards: make(map[string][]cardRef)}
}

// notify shows an orphan event to the admins: a new orphan gets a card
// in the team channel (or, without one, in a DM to each admin); an
// adoption or destroy updates every copy of it. One without a card (an
// orphan destroyed past its grace before anyone saw it) is told in a line
// instead. The new owner of an adopted VM is told by DM. It runs on the
// orphan's queue (queueKey), so a card is posted before it is updated.
func (o *orphanCards) notify(ctx context.Context, ev commands.Event) {
	orphan := ev.Orphan
	if orphan == nil {
		return
	}
	key := orphanKey(orphan.Provider, orphan.Instance.ID)
	now := o.now()
	switch ev.Kind {
	case commands.EventOrphan:
		refs := o.postToAdmins(ctx, renderOrphanCard(orphanViewOf(ev, now)), "orphan card", key)
		o.add(key, refs...)
	case commands.EventOrphanAdopted, commands.EventOrphanDestroyed:
		refs := o.take(key)
		if len(refs) == 0 {
			o.postToAdmins(ctx, renderOrphanLine(ev, orphan), "orphan notice", key)
		}
		m := renderOrphanCard(orphanViewOf(ev, now))
		for _, r := range refs {
			if err := o.slack.update(ctx, r.channel, r.ts, m); err != nil {
				o.log.Error("update orphan card", "instance", key, "err", err)
			}
		}
		if in := ev.Instance; ev.Kind == commands.EventOrphanAdopted && in != nil && in.Owner != string(ev.Actor) {
			o.slack.dm(ctx, in.Owner, renderAdoptedNotice(ev))
		}
	}
}

// postToAdmins posts m in the team channel or, when there is none or the
// bot cannot post there, to each admin by DM, and returns where it went.
func (o *orphanCards) postToAdmins(ctx context.Context, m message, what, key string) []cardRef {
	if nc := o.notifyChannel; nc != "" {
		ts, err := o.slack.post(ctx, nc, "", m)
		if err == nil {
			return []cardRef{{channel: nc, ts: ts}}
		}
		o.log.Error("post "+what+"; telling admins by DM", "instance", key, "err", err)
	}
	var refs []cardRef
	for _, admin := range o.svc.Admins() {
		dm, err := o.slack.openDM(ctx, admin)
		if err != nil {
			o.log.Error("open DM with admin", "instance", key, "user", admin, "err", err)
			continue
		}
		ts, err := o.slack.post(ctx, dm, "", m)
		if err != nil {
			o.log.Error("post "+what, "instance", key, "user", admin, "err", err)
			continue
		}
		refs = append(refs, cardRef{channel: dm, ts: ts})
	}
	if len(refs) == 0 {
		o.log.Warn("no admin could be told", "what", what, "instance", key)
	}
	return refs
}

// onClick handles the orphan card: adopting the VM for the person
// chosen in its menu or for the clicker, or destroying it. Refusals (not
// an admin, the VM adopted or gone meanwhile) are told to the clicker
// alone; what happens updates the card through the event it causes.
func (o *orphanCards) onClick(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	provider, cloudID, ok := parseOrphanBlockID(act.BlockID)
	if !ok {
		o.log.Warn("orphan click without its VM", "block", act.BlockID)
		return
	}
	clicker := cb.User.ID
	key := orphanKey(provider, cloudID)
	ref := clickedRef(cb)
	added := false
	if ref.channel != "" && ref.ts != "" {
		added = o.add(key, ref) // so that this copy is updated even after a restart
	}
	var err error
	switch act.ActionID {
	case actionOrphanAdoptFor:
		if act.SelectedUser == "" {
			return
		}
		_, err = o.svc.AdoptOrphan(ctx, provider, cloudID, act.SelectedUser, clicker)
	case actionOrphanAdoptMine:
		_, err = o.svc.AdoptOrphan(ctx, provider, cloudID, clicker, clicker)
	case actionOrphanDestroy:
		err = o.svc.DestroyOrphan(ctx, provider, cloudID, clicker)
	}
	if err == nil {
		return
	}
	if added {
		o.drop(key, ref)
	}
	o.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, o.explain(err, "user", clicker, "provider", provider, "instance", cloudID))
}

// add records copies of the card of orphan key, each once, and
// reports whether one was new.
func (o *orphanCards) add(key string, refs ...cardRef) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	added := false
	for _, r := range refs {
		if !slices.Contains(o.cards[key], r) {
			o.cards[key] = append(o.cards[key], r)
			added = true
		}
	}
	return added
}

// drop forgets one copy of the card of orphan key.
func (o *orphanCards) drop(key string, ref cardRef) {
	o.mu.Lock()
	defer o.mu.Unlock()
	refs := slices.DeleteFunc(o.cards[key], func(r cardRef) bool { return r == ref })
	if len(refs) == 0 {
		delete(o.cards, key)
		return
	}
	o.cards[key] = refs
}

// take returns and forgets the copies of the card of orphan key.
func (o *orphanCards) take(key string) []cardRef {
	o.mu.Lock()
	defer o.mu.Unlock()
	refs := o.cards[key]
	delete(o.cards, key)
	return refs
}

// forget drops where every card went, as a restart does.
func (o *orphanCards) forget() {
	o.mu.Lock()
	defer o.mu.Unlock()
	clear(o.cards)
}
