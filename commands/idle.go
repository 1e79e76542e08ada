package commands

import (
	"context"
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
// the metrics API changes nothing but the "no metrics" status shows: the
// instance is left to its lease.
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
			if ctx.Err() != nil {
				continue
			}
			s.log.Warn("read activity metrics", "provider", g.provider, "instances", len(ids), "err", err)
			acts = nil // nothing is known: each VM shows "no metrics", and nothing else changes
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
