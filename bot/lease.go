package bot

import (
	"context"
	"sync"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// costCards is what the bot remembers of the cards that keep costs in
// check: each instance's latest lease warning, and where each orphan's
// card went. It is kept in memory only: after a restart a click still
// works, and updates the card it was made on.
type costCards struct {
	mu      sync.Mutex
	leases  map[string]*leaseCard // instance name -> its latest warning
	orphans map[string][]cardRef  // orphanKey -> copies of its card
}

// leaseCard is one lease warning as sent.
type leaseCard struct {
	name string
	ref  cardRef

	// mu is held while the card is re-rendered and updated, so that two
	// updates do not cross.
	mu      sync.Mutex
	view    *leaseView    // nil when the card is known only from a click
	shown   []slack.Block // the clicked message, when view is nil
	outcome leaseOutcome
}

// showCost shows what ev means for the cards of this file: a lease
// warning goes to the owner by DM, an instance gone without its owner's
// asking is told to them, a warning's card follows what became of its
// instance, and orphans are shown to the admins.
func (b *Bot) showCost(ctx context.Context, ev commands.Event) {
	if ev.Orphan != nil {
		b.showOrphan(ctx, ev)
		return
	}
	in := ev.Instance
	if in == nil {
		return
	}
	switch ev.Kind {
	case commands.EventLeaseWarning:
		b.postLeaseCard(ctx, ev)
	case commands.EventExpired, commands.EventDestroyedOutside:
		if m, ok := renderOwnerNotice(ev, b.cfg.Now()); ok && in.Owner != "" {
			b.dm(ctx, in.Owner, m)
		}
		kind := leaseExpired
		if ev.Kind == commands.EventDestroyedOutside {
			kind = leaseOutside
		}
		b.closeLease(ctx, in.Name, leaseOutcome{Kind: kind, At: b.cfg.Now()}, nil, nil)
	case commands.EventDestroyed:
		b.closeLease(ctx, in.Name, leaseOutcome{Kind: leaseDestroyed, By: actorOr(ev, ev.Op.Owner), At: b.cfg.Now()}, nil, nil)
	case commands.EventFailed:
		if ev.Op.Kind == store.OpDown { // a failed destroy leaves other warnings as they are
			b.closeLease(ctx, in.Name, leaseOutcome{Kind: leaseDestroyFailed, At: b.cfg.Now(), Detail: ev.Detail},
				nil, leaseOutcome.requested)
		}
	case commands.EventBootTimeout:
		if in.Owner != "" {
			b.dm(ctx, in.Owner, textMessage(mdf(":hourglass: %s", upper(ev.Detail))))
		}
	case commands.EventExtended:
		// Extended elsewhere (another card, the App Home): the warning's
		// buttons would extend again.
		v := commands.InstanceView{Instance: *in, ProviderLabel: ev.ProviderLabel}
		b.closeLease(ctx, in.Name, leaseOutcome{Kind: leaseExtended, By: actorOr(ev, ev.Op.Owner), At: b.cfg.Now(),
			Until: in.LeaseExpiry}, &v, leaseOutcome.open)
	}
}

// postLeaseCard sends the lease warning of ev to the instance's owner by
// DM and remembers it, in place of any earlier warning.
func (b *Bot) postLeaseCard(ctx context.Context, ev commands.Event) {
	in := ev.Instance
	if in.Owner == "" || in.Owner == commands.SystemActor {
		return
	}
	v := leaseViewOf(*in, ev.ProviderLabel, ev.Estimated, b.svc.ExtendBy())
	dm, err := b.openDM(ctx, in.Owner)
	if err != nil {
		b.log.Error("open DM for lease warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	ts, err := b.post(ctx, dm, "", renderLeaseCard(v, b.cfg.Now()))
	if err != nil {
		b.log.Error("post lease warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	c := &leaseCard{name: in.Name, ref: cardRef{channel: dm, ts: ts}, view: &v}
	b.cost.mu.Lock()
	if b.cost.leases == nil {
		b.cost.leases = make(map[string]*leaseCard)
	}
	b.cost.leases[in.Name] = c
	b.cost.mu.Unlock()
}

// closeLease shows o on the remembered warning of instance name, if there
// is one and, when given, if shows holds for what it shows now.
func (b *Bot) closeLease(ctx context.Context, name string, o leaseOutcome, in *commands.InstanceView, shows func(leaseOutcome) bool) {
	b.cost.mu.Lock()
	c := b.cost.leases[name]
	b.cost.mu.Unlock()
	if c != nil {
		b.settleLease(ctx, c, o, in, shows)
	}
}

// leaseCardAt returns the warning at channel/ts for instance name: the
// remembered one, or one known only from the clicked message (shown),
// which is remembered when none is.
func (b *Bot) leaseCardAt(name string, ref cardRef, shown []slack.Block) *leaseCard {
	b.cost.mu.Lock()
	defer b.cost.mu.Unlock()
	if c := b.cost.leases[name]; c != nil && c.ref == ref {
		return c
	}
	c := &leaseCard{name: name, ref: ref, shown: shown}
	if b.cost.leases[name] == nil {
		if b.cost.leases == nil {
			b.cost.leases = make(map[string]*leaseCard)
		}
		b.cost.leases[name] = c
	}
	return c
}

// settleLease shows o on c, with in's numbers when given, and forgets c
// once nothing more will change it. With shows, it leaves c as it is
// unless shows holds for what c shows now.
func (b *Bot) settleLease(ctx context.Context, c *leaseCard, o leaseOutcome, in *commands.InstanceView, shows func(leaseOutcome) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if shows != nil && !shows(c.outcome) {
		return
	}
	if in != nil {
		v := leaseViewOf(in.Instance, in.ProviderLabel, false, b.svc.ExtendBy())
		if c.view != nil {
			v.Estimated = c.view.Estimated
		}
		c.view = &v
	}
	c.outcome = o
	var m message
	if c.view != nil {
		c.view.Outcome = o
		m = renderLeaseCard(*c.view, b.cfg.Now())
	} else {
		m = leaseFromBlocks(c.shown, c.name, o)
	}
	if err := b.update(ctx, c.ref.channel, c.ref.ts, m); err != nil {
		b.log.Error("update lease warning", "instance", c.name, "err", err)
	}
	if o.requested() {
		return // the destroy's end shows on the card too
	}
	b.cost.mu.Lock()
	if b.cost.leases[c.name] == c {
		delete(b.cost.leases, c.name)
	}
	b.cost.mu.Unlock()
}
