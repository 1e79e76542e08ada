package bot

import (
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// approvalService is what the approval cards ask of the Service.
type approvalService interface {
	Decide(ctx context.Context, opID, approver string, approve bool) (commands.Decision, error)
	Approvers() []string
	AddApprovalCard(ctx context.Context, opID, channel, ts string) error
}

// approvalCards are the Approve / Deny cards of the requests that wait for
// an approver: each goes to the team channel or to each approver by DM,
// and every copy follows the decision. What the bot showed is kept in
// memory while the operation runs; where each copy went is also recorded
// with the Service (AddApprovalCard), so that a decision after a restart
// still updates every copy.
type approvalCards struct {
	cardDeps
	svc approvalService
	// queue runs task on the queue of operation opID, after the events
	// queued before it (Bot.enqueue).
	queue func(opID string, task func())

	mu  sync.Mutex
	ops map[string]*approvalCard // op id -> its card
}

// approvalCard is one request's card as the bot shows it.
type approvalCard struct {
	card  *card     // the card as last shown; nil when known only from clicks
	cards []cardRef // every copy of it
}

func newApprovalCards(d cardDeps, svc approvalService, queue func(opID string, task func())) *approvalCards {
	return &approvalCards{cardDeps: d, svc: svc, queue: queue, ops: make(map[string]*approvalCard)}
}

// entry returns the card of operation opID, creating it; a.mu is held.
func (a *approvalCards) entry(opID string) *approvalCard {
	e := a.ops[opID]
	if e == nil {
		e = &approvalCard{}
		a.ops[opID] = e
	}
	return e
}

// post sends the approval card of ev to the team channel or, when there
// is none (or the bot cannot post there), to each approver other than the
// requester by DM. It returns where it asked, for the thread: "in <#C1>"
// or "<@U1>, <@U2> by DM"; "" when it could ask nobody. It runs on ev's
// operation queue.
func (a *approvalCards) post(ctx context.Context, ev commands.Event) md {
	c := cardFrom(ev)
	m := renderCard(c)
	a.mu.Lock()
	a.entry(ev.Op.ID).card = &c
	a.mu.Unlock()
	if nc := a.notifyChannel; nc != "" {
		ts, err := a.slack.post(ctx, nc, "", m)
		if err == nil {
			a.record(ctx, ev.Op.ID, nc, ts)
			return "in " + channel(nc)
		}
		a.log.Error("post approval card; asking approvers by DM", "op", ev.Op.ID, "err", err)
	}
	var asked []md
	for _, approver := range a.svc.Approvers() {
		if approver == ev.Op.Owner {
			continue // they cannot decide on their own request
		}
		dm, err := a.slack.openDM(ctx, approver)
		if err != nil {
			a.log.Error("open DM with approver", "op", ev.Op.ID, "user", approver, "err", err)
			continue
		}
		ts, err := a.slack.post(ctx, dm, "", m)
		if err != nil {
			a.log.Error("post approval card", "op", ev.Op.ID, "user", approver, "err", err)
			continue
		}
		a.record(ctx, ev.Op.ID, dm, ts)
		asked = append(asked, user(approver))
	}
	if len(asked) == 0 {
		a.log.Warn("no approver could be asked", "op", ev.Op.ID)
		return ""
	}
	return mdJoin(asked, ", ") + " by DM"
}

// update shows the decision (or expiry) of ev on every copy of the
// approval card, buttons removed. It runs on ev's operation queue.
func (a *approvalCards) update(ctx context.Context, ev commands.Event) {
	a.mu.Lock()
	e := a.entry(ev.Op.ID)
	c, refs := e.card, slices.Clone(e.cards)
	a.mu.Unlock()
	cv := cardFrom(ev)
	if c != nil {
		cv = *c
	}
	cv.Refusal = nil
	if ev.Kind == commands.EventApprovalRefused {
		cv.Refusal = detail(ev)
	}
	if ev.Approval != nil {
		cv.decided(*ev.Approval)
		for _, ref := range ev.Approval.Cards { // copies posted before a restart
			if channel, ts, ok := strings.Cut(ref, "/"); ok && !slices.Contains(refs, cardRef{channel, ts}) {
				refs = append(refs, cardRef{channel, ts})
			}
		}
	}
	a.mu.Lock()
	a.entry(ev.Op.ID).card = &cv
	a.mu.Unlock()
	m := renderCard(cv)
	for _, r := range refs {
		if err := a.slack.update(ctx, r.channel, r.ts, m); err != nil {
			a.log.Error("update approval card", "op", ev.Op.ID, "channel", r.channel, "err", err)
		}
	}
}

// record remembers a copy of the approval card and records it with the
// Service.
func (a *approvalCards) record(ctx context.Context, opID, channel, ts string) {
	a.add(opID, cardRef{channel: channel, ts: ts})
	if err := a.svc.AddApprovalCard(ctx, opID, channel, ts); err != nil {
		a.log.Error("record approval card", "op", opID, "err", err)
	}
}

// add remembers a copy of the approval card of opID, once, and reports
// whether it was new.
func (a *approvalCards) add(opID string, r cardRef) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.entry(opID)
	if slices.Contains(e.cards, r) {
		return false
	}
	e.cards = append(e.cards, r)
	return true
}

// onClick records a click on Approve or Deny. A refusal (the requester,
// or someone who is not an approver) is told to the clicker alone, as is
// a click on a request decided before. A decision updates every copy of
// the card and tells the requester's thread, through the events it
// causes.
func (a *approvalCards) onClick(ctx context.Context, cb slack.InteractionCallback, act *slack.BlockAction) {
	opID, clicker := act.Value, cb.User.ID
	approve := act.ActionID == actionApprove
	ref := clickedRef(cb)
	added := false
	if ref.channel != "" && ref.ts != "" {
		added = a.add(opID, ref) // so that this copy is updated even after a restart
	}
	d, err := a.svc.Decide(ctx, opID, clicker, approve)
	if err != nil {
		if added {
			a.dropIfUnknown(opID, ref)
		}
		a.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, a.explain(err, "user", clicker, "op", opID))
		return
	}
	if d.Changed {
		return
	}
	a.slack.tell(ctx, ref.channel, clicker, cb.ResponseURL, renderAlreadyDecided(d.Approval))
	if ref.channel == "" || ref.ts == "" {
		return
	}
	shown := cb.Message.Blocks.BlockSet
	a.queue(opID, func() { a.showDecided(ctx, opID, ref, d.Approval, shown) })
}

// showDecided makes one copy of a card show its decision: the card as the
// bot last rendered it, or else the clicked message without its buttons.
func (a *approvalCards) showDecided(ctx context.Context, opID string, ref cardRef, ap store.Approval, shown []slack.Block) {
	a.mu.Lock()
	var c *card
	if e := a.ops[opID]; e != nil {
		c = e.card
	}
	a.mu.Unlock()
	var m message
	if c != nil {
		cv := *c
		cv.decided(ap)
		m = renderCard(cv)
	} else {
		m = decidedFromBlocks(shown, ap)
	}
	if err := a.slack.update(ctx, ref.channel, ref.ts, m); err != nil {
		a.log.Error("update approval card", "op", opID, "err", err)
	}
}

// dropIfUnknown forgets the copy at ref of opID's card, which a refused
// click added, when the bot never showed that card: the click may name an
// operation this process knows nothing of.
func (a *approvalCards) dropIfUnknown(opID string, ref cardRef) {
	a.mu.Lock()
	defer a.mu.Unlock()
	e := a.ops[opID]
	if e == nil || e.card != nil {
		return
	}
	e.cards = slices.DeleteFunc(e.cards, func(r cardRef) bool { return r == ref })
	if len(e.cards) == 0 {
		delete(a.ops, opID)
	}
}

// forget drops what the bot remembers of opID's card: its operation has
// ended, or the bot restarts.
func (a *approvalCards) forget(opID string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.ops, opID)
}
