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
// down --snapshot) is kept whatever its age: it records who made the
// snapshot, which decides who may use it (see snapshotOwners).
// Background runs it on the leader with the housekeeping.
func (s *Service) Prune(ctx context.Context) (PruneReport, error) {
	var rep PruneReport
	now := s.cfg.Now()
	if r := s.cfg.JournalRetention; r > 0 {
		n, err := drain(ctx, func() (int, bool, error) {
			return s.store.PruneOperations(ctx, now.Add(-r), pruneBatch, keepOperation)
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

// keepOperation reports whether a finished operation is kept past the
// journal's retention.
func keepOperation(op *store.Operation) bool {
	return op.SnapshotID != "" && (op.Kind == store.OpSnapshotCreate || op.Kind == store.OpDown)
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
