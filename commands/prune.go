package commands

import (
	"context"
	"fmt"

	"github.com/spuffbot/spuffbot/store"
)

// pruneBatch is how many records one pruning transaction looks at, so
// that no write waits long behind it.
const pruneBatch = 256

// PruneReport says what one Prune removed.
type PruneReport struct {
	Operations int // finished operations
	Clicks     int // clicks on cards (store.Click)
	Audit      int // audit events
}

// Prune removes the finished operations that ended more than
// Config.JournalRetention ago and the audit events older than
// Config.AuditRetention, in small transactions; a zero retention keeps
// everything. An operation that made a snapshot (a snapshot create or a
// down --snapshot) whose snapshot carries no owner label (it was made
// before spuffbot labelled snapshots with their owner) is kept whatever
// its age, as long as the snapshot exists: it records who made the
// snapshot, which decides who may use it (see snapshotOwners). So is
// one whose cloud could not be listed. A labelled snapshot's owner is on
// the snapshot, and its operation goes like any other. Background runs
// it on the leader with the housekeeping.
func (s *Service) Prune(ctx context.Context) (PruneReport, error) {
	var rep PruneReport
	now := s.cfg.Now()
	if r := s.cfg.JournalRetention; r > 0 {
		keep := s.keepOperation(ctx)
		n, err := drain(ctx, func() (int, bool, error) {
			return s.store.PruneOperations(ctx, now.Add(-r), pruneBatch, keep)
		})
		rep.Operations = n
		if err != nil {
			return rep, fmt.Errorf("prune journal: %w", err)
		}
		if rep.Clicks, err = s.pruneClicks(ctx, now.Add(-r)); err != nil {
			return rep, err
		}
	}
	if r := s.cfg.AuditRetention; r > 0 {
		n, err := drain(ctx, func() (int, bool, error) {
			return s.store.PruneAudit(ctx, now.Add(-r), pruneBatch)
		})
		rep.Audit = n
		if err != nil {
			return rep, fmt.Errorf("prune audit log: %w", err)
		}
	}
	return rep, nil
}

// keepOperation returns the rule that says whether a finished operation
// is kept past the journal's retention: one that made a snapshot that
// exists without an owner label, or on a cloud whose snapshots could not
// be listed now (or that is no longer configured). It lists each cloud's
// snapshots once.
func (s *Service) keepOperation(ctx context.Context) func(*store.Operation) bool {
	listed := make(map[string]bool)     // clouds whose snapshots were listed
	unlabelled := make(map[string]bool) // provider + "/" + id of snapshots without an owner label
	for _, name := range s.Providers() {
		list, err := s.providers[name].ListSnapshots(ctx)
		if err != nil {
			s.log.Warn("prune: list snapshots; keeping the operations that made them", "provider", name, "err", err)
			continue
		}
		listed[name] = true
		for _, sn := range list {
			if sn.Owner == "" {
				unlabelled[name+"/"+sn.ID] = true
			}
		}
	}
	return func(op *store.Operation) bool {
		return madeSnapshot(op) && (!listed[op.Provider] || unlabelled[op.Provider+"/"+op.SnapshotID])
	}
}

// drain calls prune until it reports nothing more is due or ctx ends, and
// returns the sum of what it removed.
func drain(ctx context.Context, prune func() (int, bool, error)) (int, error) {
	total := 0
	for {
		n, more, err := prune()
		total += n
		if err != nil || !more {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// prunePass runs Prune and logs what it did.
func (s *Service) prunePass(ctx context.Context) {
	rep, err := s.Prune(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("prune", "err", err)
	}
	if rep.Operations+rep.Clicks+rep.Audit > 0 {
		s.log.Info("pruned", "operations", rep.Operations, "clicks", rep.Clicks, "audit_events", rep.Audit)
	}
}
