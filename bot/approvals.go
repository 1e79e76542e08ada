package bot

import (
	"context"
	"slices"
	"strings"

	"github.com/spuffbot/spuffbot/commands"
)

// postCards sends the approval card of ev to the team channel or, when
// there is none (or the bot cannot post there), to each approver other
// than the requester by DM. It returns where it asked, for the thread:
// "in <#C1>" or "<@U1>, <@U2> by DM"; "" when it could ask nobody.
//
// Where each copy went is recorded with the Service (AddApprovalCard), so
// that a decision after a restart still updates every copy.
func (b *Bot) postCards(ctx context.Context, st *opState, ev commands.Event) md {
	c := cardFrom(ev)
	m := renderCard(c)
	st.mu.Lock()
	st.card = &c
	st.mu.Unlock()
	if nc := b.cfg.NotifyChannel; nc != "" {
		ts, err := b.post(ctx, nc, "", m)
		if err == nil {
			b.addCard(ctx, st, ev.Op.ID, nc, ts)
			return "in " + channel(nc)
		}
		b.log.Error("post approval card; asking approvers by DM", "op", ev.Op.ID, "err", err)
	}
	var asked []md
	for _, approver := range b.svc.Approvers() {
		if approver == ev.Op.Owner {
			continue // they cannot decide on their own request
		}
		dm, err := b.openDM(ctx, approver)
		if err != nil {
			b.log.Error("open DM with approver", "op", ev.Op.ID, "user", approver, "err", err)
			continue
		}
		ts, err := b.post(ctx, dm, "", m)
		if err != nil {
			b.log.Error("post approval card", "op", ev.Op.ID, "user", approver, "err", err)
			continue
		}
		b.addCard(ctx, st, ev.Op.ID, dm, ts)
		asked = append(asked, user(approver))
	}
	if len(asked) == 0 {
		b.log.Warn("no approver could be asked", "op", ev.Op.ID)
		return ""
	}
	return mdJoin(asked, ", ") + " by DM"
}

// updateCards shows the decision (or expiry) of ev on every copy of the
// approval card, buttons removed.
func (b *Bot) updateCards(ctx context.Context, st *opState, ev commands.Event) {
	st.mu.Lock()
	c, refs := st.card, slices.Clone(st.cards)
	st.mu.Unlock()
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
	st.mu.Lock()
	st.card = &cv
	st.mu.Unlock()
	m := renderCard(cv)
	for _, r := range refs {
		if err := b.update(ctx, r.channel, r.ts, m); err != nil {
			b.log.Error("update approval card", "op", ev.Op.ID, "channel", r.channel, "err", err)
		}
	}
}

// addCard remembers a copy of the approval card and records it with the
// Service.
func (b *Bot) addCard(ctx context.Context, st *opState, opID, channel, ts string) {
	st.addCard(channel, ts)
	if err := b.svc.AddApprovalCard(ctx, opID, channel, ts); err != nil {
		b.log.Error("record approval card", "op", opID, "err", err)
	}
}

// addCard records a copy of the approval card, once.
func (st *opState) addCard(channel, ts string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	r := cardRef{channel: channel, ts: ts}
	if !slices.Contains(st.cards, r) {
		st.cards = append(st.cards, r)
	}
}
