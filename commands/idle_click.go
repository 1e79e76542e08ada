package commands

import (
	"context"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

// IdleAction is a button of the idle warning.
type IdleAction string

// Idle actions.
const (
	// IdleKeep suspends the idle checks for two hours.
	IdleKeep IdleAction = "keep"
	// IdleKeepLease suspends them until the lease ends.
	IdleKeepLease IdleAction = "keep-lease"
	// IdleDestroy destroys the instance now.
	IdleDestroy IdleAction = "destroy"
	// IdleSnapshotDestroy snapshots the instance, then destroys it.
	IdleSnapshotDestroy IdleAction = "snapshot-destroy"
)

// Idle handles a click by actor on an idle warning's button for instance
// name, with the rules of lease buttons (Service.Lease): only the owner
// or an admin, a key seen before changes nothing (Reply.Duplicate and
// Reply.Answered), and a click after the instance is gone is refused.
// The destroy actions are those of Lease; the Keep actions end the
// warning and suspend the idle checks (EventIdleKept).
func (s *Service) Idle(ctx context.Context, name, actor string, action IdleAction, key string) (Reply, error) {
	switch action {
	case IdleDestroy:
		return s.Lease(ctx, name, actor, LeaseDestroy, key)
	case IdleSnapshotDestroy:
		return s.Lease(ctx, name, actor, LeaseSnapshotDestroy, key)
	case IdleKeep, IdleKeepLease:
	default:
		return Reply{}, refuse("", "unknown idle action `%s`", action)
	}
	if r, seen := s.seenClick(ctx, key); seen {
		return r, nil
	}
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	in, down, err := s.clickTarget(ctx, name, actor, "idle-"+string(action))
	if err != nil {
		return Reply{}, err
	}
	if down != nil || in.Status == store.InstanceDestroying {
		return Reply{}, refuse("", "`%s` is being destroyed; it can no longer be kept", name)
	}
	if r, first, err := s.recordClick(ctx, key, name, actor, string(action), ""); err != nil || !first {
		return r, err
	}
	now := s.cfg.Now()
	until := now.Add(idleKeepFor)
	if !in.LeaseExpiry.IsZero() && (action == IdleKeepLease || in.LeaseExpiry.Before(until)) {
		until = in.LeaseExpiry // the checks stop with the lease anyway
	}
	in, err = s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		in.Idle.KeepUntil = until
		in.Idle.WarnedAt, in.Idle.Deadline, in.Idle.Sent = time.Time{}, time.Time{}, false
		return nil
	})
	if err != nil {
		return Reply{}, fmt.Errorf("keep %s: %w", name, err) // the click stays recorded, as for Lease
	}
	s.audit(ctx, actor, "idle-keep", name, "ok: until "+until.UTC().Format(time.RFC3339), "")
	text := fmt.Sprintf("`%s` is kept: no idle checks until %s.", in.Name, until.UTC().Format("Mon 15:04 MST"))
	s.emit(ctx, EventIdleKept, s.instanceOp(ctx, in), in, func(ev *Event) { ev.Actor, ev.Detail = UserID(actor), text })
	return Reply{Text: text, Instances: []InstanceView{s.view(*in)}}, nil
}

// keep is /spuff keep <name> [lease]: the Keep buttons of the idle
// warning, typed.
func (s *Service) keep(ctx context.Context, key string, c Caller, cmd grammar.Command) (Reply, error) {
	// Typed, the name may be anything: say so as /spuff extend does,
	// before the checks a card's button needs.
	if _, err := s.ownedInstance(ctx, c, cmd.Name, "keep"); err != nil {
		return Reply{}, err
	}
	action := IdleKeep
	if cmd.KeepLease {
		action = IdleKeepLease
	}
	return s.Idle(ctx, cmd.Name, c.User, action, key)
}
