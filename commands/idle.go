package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// idleState is the state of CheckIdle: one pass at a time.
type idleState struct {
	mu sync.Mutex
}

// IdleReport is what one CheckIdle pass did.
type IdleReport struct {
	// Checked names the instances whose metrics were read.
	Checked []string
	// NoMetrics names those the cloud had no CPU or network data for.
	NoMetrics []string
	// Warned names the instances whose owners were warned in this pass.
	Warned []string
	// Cancelled names the warned instances that became busy again.
	Cancelled []string
	// Destroyed names the instances destroyed because nobody answered.
	Destroyed []string
	// Calls is the number of metrics calls made, per cloud.
	Calls map[string]int
}

// idleCheck is one instance to look at in a pass, and over which window.
type idleCheck struct {
	in         store.Instance
	policy     IdlePolicy
	start, end time.Time
	warned     bool
}

// CheckIdle runs one pass of the idle checks over the ready instances.
// An instance whose policy is on (IdlePolicy) and whose cloud has metrics
// (providers.ActivityReader) is looked at once, with the metrics of all
// the instances of one cloud and window read in one call:
//
//   - Unwarned, it is idle when the cloud's figures cover the last
//     IdlePolicy.After and stay below both thresholds. Its owner is then
//     warned once (EventIdleWarning): the warning and its deadline, Grace
//     later, are journaled in the instance record first.
//   - Warned, the last few minutes are read: any figure above a threshold
//     cancels the warning (EventIdleCancelled). Past the deadline, figures
//     that still cover their window and stay idle destroy it, as a lease
//     expiry does (EventIdleDestroyed after the down operation).
//
// Missing, partial or late figures never count as idle, and an error from
// the metrics API changes nothing: the instance is left to its lease.
// Background calls CheckIdle every IdlePolicy.CheckEvery on the leader.
func (s *Service) CheckIdle(ctx context.Context) (IdleReport, error) {
	s.idle.mu.Lock()
	defer s.idle.mu.Unlock()
	rep := IdleReport{Calls: map[string]int{}}
	live, err := s.store.ListInstances(ctx, store.InstanceFilter{LiveOnly: true})
	if err != nil {
		return rep, fmt.Errorf("idle checks: %w", err)
	}
	downs, err := s.pendingDowns(ctx)
	if err != nil {
		return rep, fmt.Errorf("idle checks: %w", err)
	}
	now := s.cfg.Now()
	type group struct {
		provider   string
		start, end time.Time
	}
	groups := map[group][]idleCheck{}
	for _, in := range live {
		if in.Status != store.InstanceReady || in.CloudID == "" || downs[in.Name] != nil {
			continue
		}
		pol := s.idlePolicy(&in)
		if !pol.on() || now.Before(in.Idle.KeepUntil) {
			continue
		}
		ar, ok := s.providers[in.Provider].(providers.ActivityReader)
		if !ok {
			continue
		}
		if in.Idle.WarnedAt.IsZero() && !in.Idle.Deadline.IsZero() {
			continue // impossible record: leave it alone
		}
		c := idleCheck{in: in, policy: pol, end: now, warned: !in.Idle.WarnedAt.IsZero()}
		if c.warned {
			if !in.Idle.Sent {
				s.sendIdleWarning(ctx, &in) // a crash came between journal and send
			}
			c.start = now.Add(-recentWindow(pol, ar.ActivityStep()))
		} else {
			// A VM younger than the window is read too, for status: its
			// figures cannot cover the window, so it is not judged idle.
			c.start = now.Add(-max(pol.After, idleMinWindow, 2*ar.ActivityStep()))
		}
		g := group{in.Provider, c.start, c.end}
		groups[g] = append(groups[g], c)
	}
	for g, checks := range groups {
		ar := s.providers[g.provider].(providers.ActivityReader)
		ids := make([]string, len(checks))
		for i, c := range checks {
			ids[i] = c.in.CloudID
		}
		rep.Calls[g.provider]++
		acts, err := ar.Activity(ctx, ids, g.start, g.end)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("read activity metrics", "provider", g.provider, "instances", len(ids), "err", err)
			}
			continue // nothing is known: nothing changes
		}
		for _, c := range checks {
			s.judge(ctx, c, acts[c.in.CloudID], ar.ActivityStep(), &rep)
		}
	}
	return rep, nil
}

// recentWindow is the window read for a warned instance: short enough
// that returning activity shows, long enough for two data points.
func recentWindow(p IdlePolicy, step time.Duration) time.Duration {
	return max(p.CheckEvery, 2*step)
}

// slackFor is how far from each end of a window the first and last data
// points may be and still cover it.
func slackFor(window, step time.Duration) time.Duration {
	return max(2*step, window/10)
}

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
		if in.Status != store.InstanceReady || in.CloudID != c.in.CloudID || in.Idle.WarnedAt != c.in.Idle.WarnedAt {
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
		case c.warned && idle && !now.Before(in.Idle.Deadline):
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
		ev.Detail = fmt.Sprintf("`%s` looks forgotten: %s. It will be destroyed at %s unless you keep it.",
			in.Name, IdleFiguresText(in.Idle.Evidence), in.Idle.Deadline.UTC().Format("Mon 15:04 MST"))
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
		Request: mustJSON(downRequest{}),
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

// IdleSaved is what destroying in at t saves: its price for the rest of
// its lease, in USD.
func IdleSaved(in store.Instance, t time.Time) float64 {
	if in.LeaseExpiry.IsZero() || !in.LeaseExpiry.After(t) {
		return 0
	}
	return in.PriceHourly * in.LeaseExpiry.Sub(t).Hours()
}

// IdleFiguresText says figures as a person reads them: "CPU 0.3% avg,
// network 0.4 kB/s over the last 60 min".
func IdleFiguresText(f store.IdleFigures) string {
	return fmt.Sprintf("CPU %.1f%% avg, network %.1f kB/s over the last %s",
		f.CPUPercent, f.NetBps/1000, fmtDuration((time.Duration(f.WindowSec) * time.Second).Round(time.Minute)))
}

// IdleStatus says what the idle checks last saw of in, for status and the
// App Home: the figures and when they were measured, "no metrics", or ""
// before the first check.
func IdleStatus(in store.Instance) string {
	switch {
	case in.Idle.Measured.IsZero():
		return ""
	case in.Idle.NoMetrics:
		return "no metrics (left to its lease), checked " + in.Idle.Measured.UTC().Format("15:04 MST")
	}
	return IdleFiguresText(store.IdleFigures{CPUPercent: in.Idle.CPUPercent, NetBps: in.Idle.NetBps, WindowSec: in.Idle.WindowSec}) +
		", measured " + in.Idle.Measured.UTC().Format("15:04 MST")
}
