package bot

import (
	"context"
	"slices"
	"sync"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
)

// homeTab is the App Home tab: what the bot keeps in memory for it — who
// opened their tab since the process started (only their tabs are
// republished), a notice per person, and the publishes in flight — and
// its Extend and Destroy buttons (home_action.go). Requests waiting for
// an approver come from the Service (PendingRequests), so they survive a
// restart.
type homeTab struct {
	cardDeps
	svc   *commands.Service // lists through Handle, as /spuff list does
	tasks *tasks            // publishes are queued work (tasks.go)
	acks  *gate             // envelopes not yet acked go before a publish

	mu      sync.Mutex
	viewers map[string]bool
	notices map[string]md       // user -> line for their next publish
	jobs    map[string]*homeJob // user -> publish in flight
}

func newHomeTab(d cardDeps, svc *commands.Service, t *tasks, acks *gate) *homeTab {
	return &homeTab{cardDeps: d, svc: svc, tasks: t, acks: acks,
		viewers: make(map[string]bool), notices: make(map[string]md), jobs: make(map[string]*homeJob)}
}

// homeJob is a publish in flight; again asks for one more after it.
type homeJob struct{ again bool }

// opened publishes the Home tab user opened, and keeps it up to date from
// then on.
func (h *homeTab) opened(ctx context.Context, user string) {
	h.mu.Lock()
	h.viewers[user] = true
	h.mu.Unlock()
	h.republish(ctx, user)
}

// homeKinds are the events, besides an operation's last, that change
// what a Home tab shows.
var homeKinds = map[commands.EventKind]bool{
	commands.EventAccepted: true, commands.EventAwaitingApproval: true, commands.EventApproved: true,
	commands.EventDenied: true, commands.EventApprovalExpired: true, commands.EventDestroying: true,
	commands.EventExtended: true, commands.EventOrphanAdopted: true,
}

// notify republishes the Home tabs ev changes: its owner's, and
// every admin's, among the people who opened theirs.
func (h *homeTab) notify(ctx context.Context, ev commands.Event) {
	owners := []string{ev.Op.Owner}
	if ev.Instance != nil {
		owners = append(owners, ev.Instance.Owner)
	}
	h.mu.Lock()
	var users []string
	if ev.Op.State.Final() || homeKinds[ev.Kind] {
		for u := range h.viewers {
			if slices.Contains(owners, u) || h.svc.IsAdmin(u) {
				users = append(users, u)
			}
		}
	}
	h.mu.Unlock()
	for _, u := range users {
		h.republish(ctx, u)
	}
}

// notice shows line on top of user's Home tab, once, and republishes
// it. user clicked in their Home tab, so they have it open.
func (h *homeTab) notice(ctx context.Context, user string, line md) {
	h.mu.Lock()
	h.viewers[user] = true
	if line != "" {
		h.notices[user] = line
	}
	h.mu.Unlock()
	h.republish(ctx, user)
}

// republish publishes user's Home tab. It never blocks: publishes of
// one person run one at a time, and those asked for meanwhile become one.
func (h *homeTab) republish(ctx context.Context, user string) {
	ctx = h.tasks.base // outlives the click, until Drain gives up
	h.mu.Lock()
	if j := h.jobs[user]; j != nil {
		j.again = true
		h.mu.Unlock()
		return
	}
	if !h.tasks.start() {
		h.mu.Unlock()
		return // shutting down
	}
	j := &homeJob{}
	h.jobs[user] = j
	h.mu.Unlock()
	go func() {
		defer h.tasks.done()
		for {
			h.acks.wait()
			h.publish(ctx, user)
			h.mu.Lock()
			if !j.again {
				delete(h.jobs, user)
				h.mu.Unlock()
				return
			}
			j.again = false
			h.mu.Unlock()
		}
	}()
}

// publish renders user's Home tab from the Service and publishes it.
func (h *homeTab) publish(ctx context.Context, user string) {
	d, err := h.data(ctx, user)
	if err != nil {
		h.log.Error("read home tab", "user", user, "err", err)
		return
	}
	if err := h.slack.publishView(ctx, user, renderHome(d)); err != nil {
		h.log.Error("publish home tab", "user", user, "err", err)
	}
}

// data gathers what user's Home tab shows.
func (h *homeTab) data(ctx context.Context, user string) (homeData, error) {
	c := commands.Caller{User: user}
	mine, err := h.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbList})
	if err != nil {
		return homeData{}, err
	}
	d := homeData{Mine: mine.Instances, Admin: h.svc.IsAdmin(user), ExtendBy: h.svc.ExtendBy(), Now: h.now()}
	if d.Admin {
		all, err := h.svc.Handle(ctx, "", c, grammar.Command{Verb: grammar.VerbList, All: true})
		if err != nil {
			return homeData{}, err
		}
		d.Team = all.Instances
	}
	pending, err := h.svc.PendingRequests(ctx, user)
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
	h.mu.Lock()
	defer h.mu.Unlock()
	d.Notice = h.notices[user]
	delete(h.notices, user)
	return d, nil
}
