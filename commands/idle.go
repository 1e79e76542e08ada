package commands

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// idleState is the state of CheckIdle: one pass at a time, and when each
// instance was last checked (provider and cloud id), which orders the
// instances when a cloud's budget does not cover them all.
type idleState struct {
	mu      sync.Mutex
	checked map[idleKey]time.Time
}

type idleKey struct{ provider, cloudID string }

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
	// Deferred names the instances left for a later pass: their cloud's
	// request budget (see rationIdle) did not cover them in this one.
	Deferred []string
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
//
// A pass spends no more of a cloud's request limit than rationIdle
// allows: instances it does not cover are Deferred to a later pass.
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
	perCloud := map[string][]idleCheck{}
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
		perCloud[in.Provider] = append(perCloud[in.Provider], c)
	}
	groups := map[group][]idleCheck{}
	seen := map[idleKey]time.Time{}
	for provider, checks := range perCloud {
		ar := s.providers[provider].(providers.ActivityReader)
		kept, deferred := s.rationIdle(provider, ar, checks)
		for _, c := range deferred {
			rep.Deferred = append(rep.Deferred, c.in.Name)
			k := idleKey{provider, c.in.CloudID}
			seen[k] = s.idle.checked[k]
		}
		for _, c := range kept {
			g := group{provider, c.start, c.end}
			groups[g] = append(groups[g], c)
			seen[idleKey{provider, c.in.CloudID}] = now
		}
	}
	s.idle.checked = seen // instances no longer checked are forgotten
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

// idleShare is the part of a cloud's hourly request limit the idle checks
// may spend, as the readiness poller may (budgetShare): a quarter.
const idleShare = 4

// rationIdle splits one cloud's checks of a pass into those its request
// budget covers and those left for a later pass. The budget is the
// cloud's share of its published hourly limit (providers.Cloud) over the
// time between passes, and never less than what one instance costs, so
// that every pass makes progress; a cloud without a limit checks all.
// Warned instances come first (their deadline runs), then those checked
// longest ago, so that with more instances than one pass allows each is
// checked in turn, less often than CheckEvery.
func (s *Service) rationIdle(provider string, ar providers.ActivityReader, checks []idleCheck) (kept, deferred []idleCheck) {
	perHour := limitsOf(provider).perHour
	every, _ := s.idleEvery()
	if perHour <= 0 || every <= 0 {
		return checks, nil
	}
	budget := max(float64(perHour)/idleShare*every.Hours(), float64(ar.ActivityRequests(1)))
	if float64(ar.ActivityRequests(len(checks))) <= budget {
		return checks, nil
	}
	slices.SortStableFunc(checks, func(a, b idleCheck) int {
		if a.warned != b.warned {
			if a.warned {
				return -1
			}
			return 1
		}
		ta := s.idle.checked[idleKey{provider, a.in.CloudID}]
		tb := s.idle.checked[idleKey{provider, b.in.CloudID}]
		return cmp.Or(ta.Compare(tb), cmp.Compare(a.in.Name, b.in.Name))
	})
	n := 1
	for n < len(checks) && float64(ar.ActivityRequests(n+1)) <= budget {
		n++
	}
	return checks[:n], checks[n:]
}
