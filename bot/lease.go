package bot

import (
	"context"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// leaseService is what the lease cards ask of the Service.
type leaseService interface {
	Lease(ctx context.Context, name, actor string, action commands.LeaseAction, key string) (commands.Reply, error)
	ExtendBy() time.Duration
}

// leaseCards are the lease warnings: each goes to its instance's owner by
// DM and follows what becomes of the instance. They also tell an owner
// when their instance ended without their asking. What was posted where
// is kept in memory only: after a restart a click still works, and
// updates the card it was made on.
type leaseCards struct {
	cardDeps
	svc leaseService

	mu    sync.Mutex
	cards map[string]*leaseCard // instance name -> its latest warning
}

func newLeaseCards(d cardDeps, svc leaseService) *leaseCards {
	return &leaseCards{cardDeps: d, svc: svc, cards: make(map[string]*leaseCard)}
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

// notify shows what ev means for the lease cards: a lease warning goes to
// the owner by DM, an instance gone without its owner's asking is told to
// them, and a warning's card follows what became of its instance. It runs
// on ev's operation queue.
func (l *leaseCards) notify(ctx context.Context, ev commands.Event) {
	in := ev.Instance
	if in == nil || ev.Orphan != nil {
		return
	}
	switch ev.Kind {
	case commands.EventLeaseWarning:
		l.post(ctx, ev)
	case commands.EventExpired, commands.EventDestroyedOutside:
		if m, ok := renderOwnerNotice(ev, l.now()); ok && in.Owner != "" {
			l.slack.dm(ctx, in.Owner, m)
		}
		kind := leaseExpired
		if ev.Kind == commands.EventDestroyedOutside {
			kind = leaseOutside
		}
		l.close(ctx, in.Name, leaseOutcome{Kind: kind, At: l.now()}, nil, nil)
	case commands.EventDestroyed:
		l.close(ctx, in.Name, leaseOutcome{Kind: leaseDestroyed, By: actorOr(ev, ev.Op.Owner), At: l.now()}, nil, nil)
	case commands.EventFailed:
		if ev.Op.Kind == store.OpDown { // a failed destroy leaves other warnings as they are
			l.close(ctx, in.Name, leaseOutcome{Kind: leaseDestroyFailed, At: l.now(), Detail: ev.Detail},
				nil, leaseOutcome.requested)
		}
	case commands.EventBootTimeout:
		if in.Owner != "" {
			l.slack.dm(ctx, in.Owner, textMessage(mdf(":hourglass: %s", upper(ev.Detail))))
		}
	case commands.EventExtended:
		// Extended elsewhere (another card, the App Home): the warning's
		// buttons would extend again.
		v := commands.InstanceView{Instance: *in, ProviderLabel: ev.ProviderLabel}
		l.close(ctx, in.Name, leaseOutcome{Kind: leaseExtended, By: actorOr(ev, ev.Op.Owner), At: l.now(),
			Until: in.LeaseExpiry}, &v, leaseOutcome.open)
	}
}

// post sends the lease warning of ev to the instance's owner by DM and
// remembers it, in place of any earlier warning.
func (l *leaseCards) post(ctx context.Context, ev commands.Event) {
	in := ev.Instance
	if in.Owner == "" || in.Owner == commands.SystemActor {
		return
	}
	v := leaseViewOf(*in, ev.ProviderLabel, ev.Estimated, l.svc.ExtendBy())
	dm, err := l.slack.openDM(ctx, in.Owner)
	if err != nil {
		l.log.Error("open DM for lease warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	ts, err := l.slack.post(ctx, dm, "", renderLeaseCard(v, l.now()))
	if err != nil {
		l.log.Error("post lease warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	c := &leaseCard{name: in.Name, ref: cardRef{channel: dm, ts: ts}, view: &v}
	l.mu.Lock()
	l.cards[in.Name] = c
	l.mu.Unlock()
}

// close shows o on the remembered warning of instance name, if there is
// one and, when given, if shows holds for what it shows now.
func (l *leaseCards) close(ctx context.Context, name string, o leaseOutcome, in *commands.InstanceView, shows func(leaseOutcome) bool) {
	l.mu.Lock()
	c := l.cards[name]
	l.mu.Unlock()
	if c != nil {
		l.settle(ctx, c, o, in, shows)
	}
}

// cardAt returns the warning at ref for instance name: the remembered
// one, or one known only from the clicked message (shown), which is
// remembered when none is.
func (l *leaseCards) cardAt(name string, ref cardRef, shown []slack.Block) *leaseCard {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.cards[name]; c != nil && c.ref == ref {
		return c
	}
	c := &leaseCard{name: name, ref: ref, shown: shown}
	if l.cards[name] == nil {
		l.cards[name] = c
	}
	return c
}

// settle shows o on c, with in's numbers when given, and forgets c once
// nothing more will change it. With shows, it leaves c as it is unless
// shows holds for what c shows now.
func (l *leaseCards) settle(ctx context.Context, c *leaseCard, o leaseOutcome, in *commands.InstanceView, shows func(leaseOutcome) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if shows != nil && !shows(c.outcome) {
		return
	}
	if in != nil {
		v := leaseViewOf(in.Instance, in.ProviderLabel, false, l.svc.ExtendBy())
		if c.view != nil {
			v.Estimated = c.view.Estimated
		}
		c.view = &v
	}
	c.outcome = o
	var m message
	if c.view != nil {
		c.view.Outcome = o
		m = renderLeaseCard(*c.view, l.now())
	} else {
		m = leaseFromBlocks(c.shown, c.name, o)
	}
	if err := l.slack.update(ctx, c.ref.channel, c.ref.ts, m); err != nil {
		l.log.Error("update lease warning", "instance", c.name, "err", err)
	}
	if o.requested() {
		return // the destroy's end shows on the card too
	}
	l.mu.Lock()
	if l.cards[c.name] == c {
		delete(l.cards, c.name)
	}
	l.mu.Unlock()
}

// forget drops every remembered warning, as a restart does.
func (l *leaseCards) forget() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.cards)
}
