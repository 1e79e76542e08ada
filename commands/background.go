package commands

import (
	"context"
	"runtime/debug"
	"time"
)

// Background does the periodic work until ctx ends: Reconcile at once and
// every Config.ReconcileEvery; Reap and ExpireApprovals at once and every
// Config.ReapEvery. Errors are logged; a failed pass is tried again at the
// next tick. Run it in its own goroutine next to the front end.
//
// With a store shared by several replicas, those loops run only on the
// replica the store elects (an Elector), from its election until it loses
// the leadership, and every replica resumes, every HAConfig.ResumeEvery,
// the operations whose replica died (a Claimer; see Resume).
func (s *Service) Background(ctx context.Context) { s.background(ctx, s.leaderLoops) }

// leaderLoops is the periodic work one replica does for all.
func (s *Service) leaderLoops(ctx context.Context) {
	defer s.startIdleChecks(ctx)() // idle_loop.go
	s.reconcilePass(ctx)
	s.housekeeping(ctx)
	reconcile := time.NewTicker(s.cfg.ReconcileEvery)
	defer reconcile.Stop()
	house := time.NewTicker(s.cfg.ReapEvery)
	defer house.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-reconcile.C:
			s.reconcilePass(ctx)
		case <-house.C:
			s.housekeeping(ctx)
		}
	}
}

func (s *Service) reconcilePass(ctx context.Context) {
	rep, err := s.Reconcile(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("reconcile", "err", err)
	}
	if len(rep.DestroyedOutside)+len(rep.Reported)+len(rep.AutoDestroyed) > 0 {
		s.log.Info("reconciled", "destroyed_outside", len(rep.DestroyedOutside),
			"orphans", len(rep.Orphans), "orphans_reported", len(rep.Reported), "orphans_destroyed", len(rep.AutoDestroyed))
	}
	if rep.Instances >= bulkPass {
		// A pass over thousands of instances leaves megabytes of garbage
		// that an otherwise idle bot would keep resident until the next
		// forced GC minutes later: collect it and give it back now.
		debug.FreeOSMemory()
	}
}

// bulkPass is the number of listed instances from which a reconciler pass
// returns its garbage to the OS at once.
const bulkPass = 1000

func (s *Service) housekeeping(ctx context.Context) {
	rep, err := s.Reap(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("reap", "err", err)
	}
	if len(rep.Warned)+len(rep.Expired)+len(rep.Failed) > 0 {
		s.log.Info("leases reaped", "warned", len(rep.Warned), "expired", len(rep.Expired), "failed", len(rep.Failed))
	}
	if _, err := s.ExpireApprovals(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("expire approvals", "err", err)
	}
	s.prunePass(ctx)
}
