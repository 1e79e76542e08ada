package bot

import (
	"context"
	"sync"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
)

// IdleMetrics is what the bot records of the idle checks, when its
// Config.Metrics implements it (*metrics.Metrics does).
type IdleMetrics interface {
	// IdleWarned counts one idle warning sent.
	IdleWarned()
	// IdleDestroyed counts one VM of cloud destroyed for being idle, and
	// the USD its destroy saved.
	IdleDestroyed(cloud string, savedUSD float64)
}

// idleCards is what the bot remembers of the idle warnings it sent: each
// instance's latest card. It is kept in memory only: after a restart a
// click still works, and updates the card it was made on.
type idleCards struct {
	mu    sync.Mutex
	cards map[string]*idleCard // instance name -> its latest warning
}

// idleCard is one idle warning as sent.
type idleCard struct {
	name string
	ref  cardRef

	mu      sync.Mutex // held while the card is re-rendered and updated
	view    *idleView  // nil when the card is known only from a click
	shown   []slack.Block
	outcome idleOutcome
}

// showIdle shows what an idle event means: the warning goes to the owner
// by DM with its buttons and to the thread; a cancel, a keep and an idle
// destroy update the card and the thread, and an idle destroy tells the
// owner and the team channel what it saved. Other events that end an
// instance close its card.
func (b *Bot) showIdle(ctx context.Context, st *opState, ev commands.Event) {
	in := ev.Instance
	if in == nil || ev.Orphan != nil {
		return
	}
	if m, ok := renderIdleThread(ev); ok {
		b.reply(ctx, st, ev, m)
	}
	now := b.cfg.Now()
	switch ev.Kind {
	case commands.EventIdleWarning:
		b.idleMetrics().IdleWarned()
		b.postIdleCard(ctx, ev)
	case commands.EventIdleCancelled:
		b.closeIdle(ctx, in.Name, idleOutcome{Kind: idleCancelled, At: now,
			Detail: commands.IdleStatus(*in)}, idleOutcome.open)
	case commands.EventIdleKept:
		b.closeIdle(ctx, in.Name, idleOutcome{Kind: idleKept, By: actorOr(ev, in.Owner), At: now,
			Until: in.Idle.KeepUntil}, idleOutcome.open)
	case commands.EventIdleDestroyed:
		saved := commands.IdleSaved(*in, now)
		b.idleMetrics().IdleDestroyed(in.Provider, saved)
		b.closeIdle(ctx, in.Name, idleOutcome{Kind: idleDestroyed, At: now, Saved: saved}, nil)
		if in.Owner != "" && in.Owner != commands.SystemActor {
			b.dm(ctx, in.Owner, textMessage(mdf(":black_circle: %s It was deleted, not stopped, so it costs nothing from now on.", ev.Detail)))
		}
		if b.cfg.NotifyChannel != "" {
			if _, err := b.post(ctx, b.cfg.NotifyChannel, "", renderIdleTeamLine(ev, saved)); err != nil {
				b.log.Error("team notification", "instance", in.Name, "err", err)
			}
		}
	case commands.EventDestroyed, commands.EventExpired, commands.EventDestroyedOutside:
		if ev.Kind == commands.EventDestroyed && ev.Op.Owner == commands.SystemActor {
			return // an idle destroy: EventIdleDestroyed follows and says more
		}
		b.closeIdle(ctx, in.Name, idleOutcome{Kind: idleGone, At: now}, func(o idleOutcome) bool {
			return o.open() || o.requested()
		})
	}
}

// open reports whether nothing became of the warning yet.
func (o idleOutcome) open() bool { return o.Kind == idleOpen }

// requested reports whether a destroy was asked for and has not ended.
func (o idleOutcome) requested() bool {
	return o.Kind == idleDestroyRequested || o.Kind == idleSnapshotRequested
}

type noIdleMetrics struct{}

func (noIdleMetrics) IdleWarned()                   {}
func (noIdleMetrics) IdleDestroyed(string, float64) {}

func (b *Bot) idleMetrics() IdleMetrics {
	if m, ok := b.cfg.Metrics.(IdleMetrics); ok {
		return m
	}
	return noIdleMetrics{}
}

// postIdleCard sends the idle warning of ev to the instance's owner by DM
// and remembers it, in place of any earlier one.
func (b *Bot) postIdleCard(ctx context.Context, ev commands.Event) {
	in := ev.Instance
	if in.Owner == "" || in.Owner == commands.SystemActor {
		return
	}
	v := idleViewOf(*in, ev.ProviderLabel, ev.Estimated)
	dm, err := b.openDM(ctx, in.Owner)
	if err != nil {
		b.log.Error("open DM for idle warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	ts, err := b.post(ctx, dm, "", renderIdleCard(v, b.cfg.Now()))
	if err != nil {
		b.log.Error("post idle warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	c := &idleCard{name: in.Name, ref: cardRef{channel: dm, ts: ts}, view: &v}
	b.idle.mu.Lock()
	if b.idle.cards == nil {
		b.idle.cards = make(map[string]*idleCard)
	}
	b.idle.cards[in.Name] = c
	b.idle.mu.Unlock()
}

// closeIdle shows o on the remembered warning of instance name, if there
// is one and, when given, if shows holds for what it shows now.
func (b *Bot) closeIdle(ctx context.Context, name string, o idleOutcome, shows func(idleOutcome) bool) {
	b.idle.mu.Lock()
	c := b.idle.cards[name]
	b.idle.mu.Unlock()
	if c != nil {
		b.settleIdle(ctx, c, o, shows)
	}
}

// idleCardAt returns the warning at ref for instance name: the remembered
// one, or one known only from the clicked message (shown).
func (b *Bot) idleCardAt(name string, ref cardRef, shown []slack.Block) *idleCard {
	b.idle.mu.Lock()
	defer b.idle.mu.Unlock()
	if c := b.idle.cards[name]; c != nil && c.ref == ref {
		return c
	}
	c := &idleCard{name: name, ref: ref, shown: shown}
	if b.idle.cards == nil {
		b.idle.cards = make(map[string]*idleCard)
	}
	if b.idle.cards[name] == nil {
		b.idle.cards[name] = c
	}
	return c
}

// settleIdle shows o on c and forgets c once nothing more will change
// it. With shows, it leaves c as it is unless shows holds for what c
// shows now.
func (b *Bot) settleIdle(ctx context.Context, c *idleCard, o idleOutcome, shows func(idleOutcome) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if shows != nil && !shows(c.outcome) {
		return
	}
	c.outcome = o
	var m message
	if c.view != nil {
		c.view.Outcome = o
		m = renderIdleCard(*c.view, b.cfg.Now())
	} else {
		m = idleFromBlocks(c.shown, c.name, o)
	}
	if err := b.update(ctx, c.ref.channel, c.ref.ts, m); err != nil {
		b.log.Error("update idle warning", "instance", c.name, "err", err)
	}
	if o.requested() {
		return // the destroy's end shows on the card too
	}
	b.idle.mu.Lock()
	if b.idle.cards[c.name] == c {
		delete(b.idle.cards, c.name)
	}
	b.idle.mu.Unlock()
}
