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

// idleService is what the idle cards ask of the Service.
type idleService interface {
	Idle(ctx context.Context, name, actor string, action commands.IdleAction, key string) (commands.Reply, error)
}

// idleCards are the idle warnings: each goes to its instance's owner by
// DM and follows what becomes of the instance; an idle destroy is told to
// the owner and the team channel. What was posted where is kept in memory
// only: after a restart a click still works, and updates the card it was
// made on.
type idleCards struct {
	cardDeps
	svc     idleService
	metrics IdleMetrics

	mu    sync.Mutex
	cards map[string]*idleCard // instance name -> its latest warning
}

func newIdleCards(d cardDeps, svc idleService, m Metrics) *idleCards {
	im, ok := m.(IdleMetrics)
	if !ok {
		im = noIdleMetrics{}
	}
	return &idleCards{cardDeps: d, svc: svc, metrics: im, cards: make(map[string]*idleCard)}
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

// notify shows what an idle event means for the cards: the warning goes
// to the owner by DM with its buttons; a cancel, a keep and an idle
// destroy update the card, and an idle destroy tells the owner and the
// team channel what it saved. Other events that end an instance close its
// card. It runs on ev's operation queue, after the thread line
// (Bot.idleThread).
func (i *idleCards) notify(ctx context.Context, ev commands.Event) {
	in := ev.Instance
	if in == nil || ev.Orphan != nil {
		return
	}
	now := i.now()
	switch ev.Kind {
	case commands.EventIdleWarning:
		i.metrics.IdleWarned()
		i.post(ctx, ev)
	case commands.EventIdleCancelled:
		i.close(ctx, in.Name, idleOutcome{Kind: idleCancelled, At: now,
			Detail: commands.IdleStatus(*in)}, idleOutcome.open)
	case commands.EventIdleKept:
		i.close(ctx, in.Name, idleOutcome{Kind: idleKept, By: actorOr(ev, in.Owner), At: now,
			Until: in.Idle.KeepUntil}, idleOutcome.open)
	case commands.EventIdleDestroyed:
		saved := commands.IdleSaved(*in, now)
		i.metrics.IdleDestroyed(in.Provider, saved)
		i.close(ctx, in.Name, idleOutcome{Kind: idleDestroyed, At: now, Saved: saved}, nil)
		if in.Owner != "" && in.Owner != commands.SystemActor {
			i.slack.dm(ctx, in.Owner, textMessage(mdf(":black_circle: %s It was deleted, not stopped, so it costs nothing from now on.", ev.Detail)))
		}
		if i.notifyChannel != "" {
			if _, err := i.slack.post(ctx, i.notifyChannel, "", renderIdleTeamLine(ev, saved)); err != nil {
				i.log.Error("team notification", "instance", in.Name, "err", err)
			}
		}
	case commands.EventDestroyed, commands.EventExpired, commands.EventDestroyedOutside:
		if ev.Kind == commands.EventDestroyed && ev.Op.Owner == commands.SystemActor {
			return // an idle destroy: EventIdleDestroyed follows and says more
		}
		i.close(ctx, in.Name, idleOutcome{Kind: idleGone, At: now}, func(o idleOutcome) bool {
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

// post sends the idle warning of ev to the instance's owner by DM
// and remembers it, in place of any earlier one.
func (i *idleCards) post(ctx context.Context, ev commands.Event) {
	in := ev.Instance
	if in.Owner == "" || in.Owner == commands.SystemActor {
		return
	}
	v := idleViewOf(*in, ev.ProviderLabel, ev.Estimated)
	dm, err := i.slack.openDM(ctx, in.Owner)
	if err != nil {
		i.log.Error("open DM for idle warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	ts, err := i.slack.post(ctx, dm, "", renderIdleCard(v, i.now()))
	if err != nil {
		i.log.Error("post idle warning", "instance", in.Name, "user", in.Owner, "err", err)
		return
	}
	c := &idleCard{name: in.Name, ref: cardRef{channel: dm, ts: ts}, view: &v}
	i.mu.Lock()
	i.cards[in.Name] = c
	i.mu.Unlock()
}

// close shows o on the remembered warning of instance name, if there
// is one and, when given, if shows holds for what it shows now.
func (i *idleCards) close(ctx context.Context, name string, o idleOutcome, shows func(idleOutcome) bool) {
	i.mu.Lock()
	c := i.cards[name]
	i.mu.Unlock()
	if c != nil {
		i.settle(ctx, c, o, shows)
	}
}

// cardAt returns the warning at ref for instance name: the remembered
// one, or one known only from the clicked message (shown).
func (i *idleCards) cardAt(name string, ref cardRef, shown []slack.Block) *idleCard {
	i.mu.Lock()
	defer i.mu.Unlock()
	if c := i.cards[name]; c != nil && c.ref == ref {
		return c
	}
	c := &idleCard{name: name, ref: ref, shown: shown}
	if i.cards[name] == nil {
		i.cards[name] = c
	}
	return c
}

// settle shows o on c and forgets c once nothing more will change
// it. With shows, it leaves c as it is unless shows holds for what c
// shows now.
func (i *idleCards) settle(ctx context.Context, c *idleCard, o idleOutcome, shows func(idleOutcome) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if shows != nil && !shows(c.outcome) {
		return
	}
	c.outcome = o
	var m message
	if c.view != nil {
		c.view.Outcome = o
		m = renderIdleCard(*c.view, i.now())
	} else {
		m = idleFromBlocks(c.shown, c.name, o)
	}
	if err := i.slack.update(ctx, c.ref.channel, c.ref.ts, m); err != nil {
		i.log.Error("update idle warning", "instance", c.name, "err", err)
	}
	if o.requested() {
		return // the destroy's end shows on the card too
	}
	i.mu.Lock()
	if i.cards[c.name] == c {
		delete(i.cards, c.name)
	}
	i.mu.Unlock()
}

// forget drops every remembered warning, as a restart does.
func (i *idleCards) forget() {
	i.mu.Lock()
	defer i.mu.Unlock()
	clear(i.cards)
}
