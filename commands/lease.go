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

// OpExtend is the kind of the operation Lease journals for an extension.
// It is journaled done, only to remember the click's key; nothing runs it.
const OpExtend store.OpKind = "extend"

// Lease handles a click by actor on a lease warning's button for instance
// name. The rules are those of approvals:
//
//   - Only the owner or an admin may click; anyone else is refused.
//   - key identifies the click's card and button, e.g. the message and
//     action of the warning. A click whose key was seen before changes
//     nothing: the reply has Duplicate set and Op is the earlier click's
//     operation. So does a destroy while a destroy is already under way.
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
	if key != "" {
		if op := s.opByKey(ctx, key); op != nil {
			return duplicate(op), nil
		}
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	in, err := s.store.GetInstance(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !in.Status.Live()) {
		return Reply{}, refuse("", "`%s` is already gone", name)
	}
	if err != nil {
		return Reply{}, fmt.Errorf("lease %s: %w", name, err)
	}
	if in.Owner != actor && !s.IsAdmin(actor) {
		s.audit(ctx, actor, "lease-"+string(action), name, "refused: not the owner", "")
		return Reply{}, refuseText(Textf("ask them, or an admin"), Textf("`%s` belongs to %s; only its owner or an admin can do that", name, UserID(in.Owner)))
	}
	downs, err := s.pendingDowns(ctx)
	if err != nil {
		return Reply{}, fmt.Errorf("lease %s: %w", name, err)
	}
	if down := downs[name]; down != nil || in.Status == store.InstanceDestroying {
		if action == LeaseExtend {
			return Reply{}, refuse("", "`%s` is being destroyed; it can no longer be extended", name)
		}
		return Reply{Op: down, Duplicate: true, Text: fmt.Sprintf("`%s` is already being destroyed.", name)}, nil
	}
	op := store.Operation{ID: newID(), Key: key, Owner: actor, Channel: in.Channel, ThreadTS: in.ThreadTS,
		Provider: in.Provider, Instance: in.Name, CloudID: in.CloudID}
	if action == LeaseExtend {
		return s.leaseExtend(ctx, op, actor)
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

// leaseExtend journals the click op and extends the lease by ExtendBy.
func (s *Service) leaseExtend(ctx context.Context, op store.Operation, actor string) (Reply, error) {
	op.Kind, op.State, op.Step, op.Ended = OpExtend, store.OpDone, "extended", s.cfg.Now()
	op, created, err := s.store.CreateOperation(ctx, op)
	if err != nil {
		return Reply{}, fmt.Errorf("journal extend: %w", err)
	}
	if !created {
		return duplicate(&op), nil
	}
	in, capped, err := s.Extend(ctx, op.Instance, actor, s.cfg.ExtendBy)
	if err != nil {
		s.failOp(ctx, op.ID, err)
		return Reply{}, err
	}
	text := fmt.Sprintf("`%s` now runs until %s.", in.Name, in.LeaseExpiry.UTC().Format("Mon 15:04 MST"))
	if capped {
		text += fmt.Sprintf(" That is the maximum lease of %s from now.", fmtDuration(s.cfg.MaxLease))
	}
	s.emit(ctx, EventExtended, &op, in, func(ev *Event) { ev.Actor, ev.Detail = UserID(actor), text })
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
