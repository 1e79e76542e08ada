package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// LeaseAction is a button of the lease warning.
type LeaseAction string

// Lease actions.
const (
	// LeaseExtend extends the lease by Config.ExtendBy.
	LeaseExtend LeaseAction = "extend"
	// LeaseDestroy destroys the instance now.
	LeaseDestroy LeaseAction = "destroy"
	// LeaseSnapshotDestroy snapshots the instance, then destroys it.
	LeaseSnapshotDestroy LeaseAction = "snapshot-destroy"
)

// Lease handles a click by actor on a lease warning's button for instance
// name. The rules are those of approvals:
//
//   - Only the owner or an admin may click; anyone else is refused.
//   - key identifies the click's card, e.g. the message of the warning:
//     the click is recorded under it (store.Click), first-wins. A click
//     whose key was seen before changes nothing: the reply has Duplicate
//     set, Answered says who answered the card and how, and Op is the
//     operation the earlier click started, if any. A destroy while a
//     destroy is already under way is a duplicate of it too.
//   - A click after the instance is gone is refused with a sentence
//     saying so.
//
// LeaseExtend extends the lease at once (EventExtended). The destroy
// actions journal a down operation (with a snapshot first for
// LeaseSnapshotDestroy) in the instance's thread and return it as
// Reply.Op, for the front end to Start.
func (s *Service) Lease(ctx context.Context, name, actor string, action LeaseAction, key string) (Reply, error) {
	if action != LeaseExtend && action != LeaseDestroy && action != LeaseSnapshotDestroy {
		return Reply{}, refuse("", "unknown lease action `%s`", action)
	}
	if r, seen := s.seenClick(ctx, key); seen {
		return r, nil
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	in, down, err := s.clickTarget(ctx, name, actor, "lease-"+string(action))
	if err != nil {
		return Reply{}, err
	}
	if down != nil || in.Status == store.InstanceDestroying {
		if action == LeaseExtend {
			return Reply{}, refuse("", "`%s` is being destroyed; it can no longer be extended", name)
		}
		return Reply{Op: down, Duplicate: true, Text: fmt.Sprintf("`%s` is already being destroyed.", name)}, nil
	}
	if action == LeaseExtend {
		return s.leaseExtend(ctx, in, actor, key)
	}
	op := store.Operation{ID: newID(), Key: key, Owner: actor, Channel: in.Channel, ThreadTS: in.ThreadTS,
		Provider: in.Provider, Instance: in.Name, CloudID: in.CloudID}
	if r, first, err := s.recordClick(ctx, key, name, actor, string(action), op.ID); err != nil || !first {
		return r, err
	}
	op.Kind, op.State = store.OpDown, store.OpAccepted
	op.Request = mustJSON(downRequest{WithSnapshot: action == LeaseSnapshotDestroy, Target: in.OpID})
	op, created, err := s.store.CreateOperation(ctx, op)
	if err != nil {
		return Reply{}, fmt.Errorf("journal down: %w", err)
	}
	if !created {
		return duplicate(&op), nil
	}
	s.audit(ctx, actor, "down", in.Name, "accepted", op.ID)
	text := fmt.Sprintf("Destroying `%s`.", in.Name)
	if action == LeaseSnapshotDestroy {
		text = fmt.Sprintf("Snapshotting `%s`, then destroying it.", in.Name)
	}
	return Reply{Op: &op, Text: text}, nil
}

// leaseExtend records the click under key and extends the lease of in by
// ExtendBy. Should the extension fail (the store failing), the click
// stays recorded: the clicker is told the error, and /spuff extend is
// there to try again.
func (s *Service) leaseExtend(ctx context.Context, in *store.Instance, actor, key string) (Reply, error) {
	if r, first, err := s.recordClick(ctx, key, in.Name, actor, string(LeaseExtend), ""); err != nil || !first {
		return r, err
	}
	in, capped, err := s.Extend(ctx, in.Name, actor, s.cfg.ExtendBy)
	if err != nil {
		return Reply{}, err
	}
	text := fmt.Sprintf("`%s` now runs until %s.", in.Name, in.LeaseExpiry.UTC().Format("Mon 15:04 MST"))
	if capped {
		text += fmt.Sprintf(" That is the maximum lease of %s from now.", fmtDuration(s.cfg.MaxLease))
	}
	s.emit(ctx, EventExtended, s.instanceOp(ctx, in), in, func(ev *Event) { ev.Actor, ev.Detail = UserID(actor), text })
	return Reply{Text: text, Instances: []InstanceView{s.view(*in)}}, nil
}

// leaseLeft is the time until in's lease ends, for messages.
func leaseLeft(in *store.Instance, now time.Time) string {
	return fmtDuration(in.LeaseExpiry.Sub(now).Round(time.Minute))
}

// duplicate answers a click whose key names the earlier operation op.
func duplicate(op *store.Operation) Reply {
	r := Reply{Op: op, Duplicate: true, Text: "That was already done."}
	if op.State == store.OpFailed {
		r.Text = "That was already tried: " + op.Error
	}
	return r
}

// clickTarget is the instance a card's button is for, looked up with
// leaseMu held, and the down under way for it, if any: refused when the
// instance is gone, or when actor is neither its owner nor an admin
// (audited as action).
func (s *Service) clickTarget(ctx context.Context, name, actor, action string) (*store.Instance, *store.Operation, error) {
	in, err := s.store.GetInstance(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !in.Status.Live()) {
		return nil, nil, refuse("", "`%s` is already gone", name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", action, name, err)
	}
	if in.Owner != actor && !s.IsAdmin(actor) {
		s.audit(ctx, actor, action, name, "refused: not the owner", "")
		return nil, nil, refuseText(Textf("ask them, or an admin"),
			Textf("`%s` belongs to %s; only its owner or an admin can do that", name, UserID(in.Owner)))
	}
	downs, err := s.pendingDowns(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", action, name, err)
	}
	return in, downs[name], nil
}
