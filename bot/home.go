package bot

import (
	"context"
	"slices"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
)

// homeBook is what the bot keeps in memory for App Home: who opened the
// Home tab since the process started (only their tabs are republished),
// a notice per person, and the publishes in flight. Requests waiting for an
// approver come from the Service (PendingRequests), so they survive a
// restart. Its zero value is ready to use.
type homeBook struct {
	mu      sync.Mutex
	viewers map[string]bool
	notices map[string]md       // user -> line for their next publish
	jobs    map[string]*homeJob // user -> publish in flight
}

// initLocked makes the maps of a zero homeBook; h.mu is held.
func (h *homeBook) initLocked() {
	if h.viewers == nil {
		h.viewers = make(map[string]bool)
		h.notices = make(map[string]md)
		h.jobs = make(map[string]*homeJob)
	}
}

// homeJob is a publish in flight; again asks for one more after it.
type homeJob struct{ again bool }

// onEvent handles an Events API event: app_home_opened publishes the
// Home tab of the person who opened it.
func (b *Bot) onEvent(ctx context.Context, data any) {
	ev, ok := data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	var user, tab string
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		user, tab = e.User, e.Tab
	case slackevents.AppHomeOpenedEvent:
		user, tab = e.User, e.Tab
	default:
		return
	}
	if user == "" || (tab != "" && tab != "home") {
		return // the Messages tab
	}
	b.home.mu.Lock()
	b.home.initLocked()
	b.home.viewers[user] = true
	b.home.mu.Unlock()
	b.republish(ctx, user)
}

// homeKinds are the events, besides an operation's last, that change
// what a Home tab shows.
var homeKinds = map[commands.EventKind]bool{
	commands.EventAccepted: true, commands.EventAwaitingApproval: true, commands.EventApproved: true,
	commands.EventDenied: true, commands.EventApprovalExpired: true, commands.EventDestroying: true,
	commands.EventExtended: true, commands.EventOrphanAdopted: true,
}

// homeChanged republishes the Home tabs ev changes: its owner's, and
// every admin's, among the people who opened theirs.
func (b *Bot) homeChanged(ctx context.Context, ev commands.Event) {
	owners := []string{ev.Op.Owner}
	if ev.Instance != nil {
		owners = append(owners, ev.Instance.Owner)
	}
	b.home.mu.Lock()
	var users []string
	if ev.Op.State.Final() || homeKinds[ev.Kind] {
		for u := range b.home.viewers {
			if slices.Contains(owners, u) || b.svc.IsAdmin(u) {
				users = append(users, u)
			}
		}
	}
	b.home.mu.Unlock()
	for _, u := range users {
		b.republish(ctx, u)
	}
}

// homeNotice shows line on top of user's Home tab, once, and republishes
// it. user clicked in their Home tab, so they have it open.
func (b *Bot) homeNotice(ctx context.Context, user string, line md) {
	b.home.mu.Lock()
	b.home.initLocked()
	b.home.viewers[user] = true
	if line != "" {
		b.home.notices[user] = line
	}
	b.home.mu.Unlock()
	b.republish(ctx, user)
}

// republish publishes user's Home tab. It never blocks: publishes of
// one person run one at a time, and those asked for meanwhile become one.
func (b *Bot) republish(ctx context.Context, user string) {
	ctx = b.tasks.base // outlives the click, until Drain gives up
	b.home.mu.Lock()
	if j := b.home.jobs[user]; j != nil {
		j.again = true
		b.home.mu.Unlock()
		return
	}
	if !b.tasks.start() {
		b.home.mu.Unlock()
		return // shutting down
	}
	b.home.initLocked()
	j := &homeJob{}
	b.home.jobs[user] = j
	b.home.mu.Unlock()
	go func() {
		defer b.tasks.done()
		for {
			b.acks.wait()
			b.publishHome(ctx, user)
			b.home.mu.Lock()
			if !j.again {
				delete(b.home.jobs, user)
				b.home.mu.Unlock()
				return
			}
			j.again = false
			b.home.mu.Unlock()
		}
	}()
}

// publishHome renders user's Home tab from the Service and publishes it.
func (b *Bot) publishHome(ctx context.Context, user string) {
	d, err := b.homeData(ctx, user)
	if err != nil {
		b.log.Error("read home tab", "user", user, "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.WebTimeout)
	defer cancel()
	req := slack.PublishViewContextRequest{UserID: user, View: renderHome(d)}
	if _, err := b.web.PublishViewContext(ctx, req); err != nil {
		b.log.Error("publish home tab", "user", user, "err", err)
	}
}

// homeData gathers what user's Home tab shows.
func (b *Bot) homeData(ctx context.Context, user string) (homeData, error) {
	c := commands.Caller{User: user}
	mine, err := b.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbList})
	if err != nil {
		return homeData{}, err
	}
	d := homeData{Mine: mine.Instances, Admin: b.svc.IsAdmin(user), ExtendBy: b.svc.ExtendBy(), Now: b.cfg.Now()}
	if d.Admin {
		all, err := b.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbList, All: true})
		if err != nil {
			return homeData{}, err
		}
		d.Team = all.Instances
	}
	pending, err := b.svc.PendingRequests(ctx, user)
	if err != nil {
		return homeData{}, err
	}
	for _, p := range pending {
		a := homeApproval{OpID: p.Op.ID, Requester: p.Op.Owner, Name: p.Op.Instance, Cloud: p.ProviderLabel,
			Estimated: p.Estimated, Expires: p.Approval.Expires}
		if in := p.Instance; in != nil {
			a.Size, a.Region, a.Price = in.Size, in.Region, in.PriceHourly
		}
		d.Pending = append(d.Pending, a)
	}
	b.home.mu.Lock()
	defer b.home.mu.Unlock()
	d.Notice = b.home.notices[user]
	delete(b.home.notices, user)
	return d, nil
}
