package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// judge records one instance's figures and acts on them.
func (s *Service) judge(ctx context.Context, c idleCheck, a providers.Activity, step time.Duration, rep *IdleReport) {
	name := c.in.Name
	rep.Checked = append(rep.Checked, name)
	window := c.end.Sub(c.start)
	covered := a.Covers(c.start, c.end, slackFor(window, step))
	// A VM younger than After cannot have been idle that long, whatever
	// its cloud's figures say; a warned one was judged old enough.
	oldEnough := c.warned || c.end.Sub(c.in.Created) >= c.policy.After
	idle := oldEnough && covered && a.CPUPercent < c.policy.CPUBelow && a.NetBps() < c.policy.NetBelow
	busy := (a.HasCPU && a.CPUPercent >= c.policy.CPUBelow) || (a.HasNet && a.NetBps() >= c.policy.NetBelow)
	noData := !a.HasCPU || !a.HasNet
	if noData {
		rep.NoMetrics = append(rep.NoMetrics, name)
	}
	span := window
	if !covered && !noData {
		span = min(max(a.Last.Sub(a.First), step), window) // the figures of a young VM cover its life so far
	}
	fig := store.IdleFigures{CPUPercent: a.CPUPercent, NetBps: a.NetBps(), WindowSec: int64(span / time.Second)}
	now := c.end
	var act func(*store.Instance) // what the journaled change calls for
	in, err := s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		if in.Status != store.InstanceReady || in.CloudID != c.in.CloudID || !in.Idle.WarnedAt.Equal(c.in.Idle.WarnedAt) {
			return errUnchanged // changed since it was read: the next pass sees it
		}
		in.Idle.Measured, in.Idle.NoMetrics = now, noData
		in.Idle.CPUPercent, in.Idle.NetBps, in.Idle.WindowSec = fig.CPUPercent, fig.NetBps, fig.WindowSec
		act = nil
		switch {
		case !c.warned && idle:
			in.Idle.WarnedAt, in.Idle.Deadline, in.Idle.Evidence, in.Idle.Sent = now, now.Add(c.policy.Grace), fig, false
			act = func(in *store.Instance) {
				rep.Warned = append(rep.Warned, name)
				s.audit(ctx, SystemActor, "idle-warning", name, "ok: deadline "+in.Idle.Deadline.UTC().Format(time.RFC3339), "")
				s.sendIdleWarning(ctx, in)
			}
		case c.warned && busy:
			in.Idle.WarnedAt, in.Idle.Deadline, in.Idle.Sent = time.Time{}, time.Time{}, false
			act = func(in *store.Instance) {
				rep.Cancelled = append(rep.Cancelled, name)
				s.audit(ctx, SystemActor, "idle-cancelled", name, "ok: active again", "")
				s.emit(ctx, EventIdleCancelled, s.instanceOp(ctx, in), in, func(ev *Event) {
					ev.Detail = fmt.Sprintf("`%s` is in use again (%s), so it stays.", in.Name, IdleFiguresText(fig))
				})
			}
		case c.warned && idle && !now.Add(idleTickSlack).Before(in.Idle.Deadline):
			act = func(in *store.Instance) {
				if s.destroyIdle(ctx, *in) {
					rep.Destroyed = append(rep.Destroyed, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		if !errors.Is(err, errUnchanged) && ctx.Err() == nil {
			s.log.Error("record activity", "instance", name, "err", err)
		}
		return
	}
	if act != nil {
		act(in)
	}
}

// sendIdleWarning tells the front ends of in's journaled warning and
// records that it did.
func (s *Service) sendIdleWarning(ctx context.Context, in *store.Instance) {
	s.emit(ctx, EventIdleWarning, s.instanceOp(ctx, in), in, func(ev *Event) {
		ev.Detail = fmt.Sprintf("`%s` looks forgotten: %s. It will be destroyed at %s unless you keep it (`/spuff keep %s`).",
			in.Name, IdleFiguresText(in.Idle.Evidence), in.Idle.Deadline.UTC().Format("Mon 15:04 MST"), in.Name)
	})
	warnedAt := in.Idle.WarnedAt
	_, err := s.store.UpdateInstance(ctx, in.Name, func(in *store.Instance) error {
		if !in.Idle.WarnedAt.Equal(warnedAt) {
			return errUnchanged
		}
		in.Idle.Sent = true
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		s.log.Error("record idle warning sent", "instance", in.Name, "err", err)
	}
}

// destroyIdle journals and runs the down operation of an instance nobody
// kept, and reports whether it is destroyed. The key is the warning's, so
// that two leaders journal one operation.
func (s *Service) destroyIdle(ctx context.Context, in store.Instance) bool {
	op := store.Operation{
		ID: newID(), Kind: store.OpDown, State: store.OpAccepted, Owner: SystemActor,
		Key:     fmt.Sprintf("idle/%s/%s/%s/%d", in.Provider, in.Name, in.CloudID, in.Idle.WarnedAt.UnixNano()),
		Channel: in.Channel, ThreadTS: in.ThreadTS, Provider: in.Provider, Instance: in.Name, CloudID: in.CloudID,
		Request: mustJSON(downRequest{Target: in.OpID}), // a late run after the name was reused touches nothing
	}
	var created bool
	var err error
	for {
		var got store.Operation
		got, created, err = s.store.CreateOperation(ctx, op)
		if err != nil || created || got.State != store.OpFailed {
			op = got
			break
		}
		op.Key = "idle/after/" + got.ID // an earlier attempt failed: this is a new one
	}
	if err != nil {
		s.log.Error("journal idle destroy", "instance", in.Name, "err", err)
		return false
	}
	if !created && op.State == store.OpDone {
		return false // an earlier leader did it
	}
	if created {
		s.audit(ctx, SystemActor, "idle-destroy", in.Name, "accepted", op.ID)
	}
	s.Run(ctx, op.ID)
	done, err := s.store.GetOperation(context.WithoutCancel(ctx), op.ID)
	if err != nil || done.State != store.OpDone {
		return false
	}
	now := s.cfg.Now()
	saved := IdleSaved(in, now)
	s.emit(ctx, EventIdleDestroyed, done, &in, func(ev *Event) {
		ev.Actor = SystemActor
		ev.Detail = fmt.Sprintf("`%s` was destroyed because it was idle and nobody kept it: %s. That saves $%.2f.",
			in.Name, IdleFiguresText(in.Idle.Evidence), saved)
	})
	return true
}
