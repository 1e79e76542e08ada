package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/spuffbot/spuffbot/store"
)

// Start runs operation id in the background; see Run. Wait waits for it.
// The operation outlives ctx and ends early only at Shutdown; after
// Shutdown, Start leaves the operation journaled for the next start.
func (s *Service) Start(ctx context.Context, id string) {
	halt, ok := s.stop.enter(&s.wg)
	if !ok {
		s.log.Info("shutting down; operation left for the next start", "op", id)
		return
	}
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer cancel()
		defer context.AfterFunc(halt, cancel)()
		s.Run(ctx, id)
	}()
}

// Run carries operation id to a final state (or to awaiting approval),
// journaling each step before it touches a cloud and reporting progress to
// the Notifier. An operation already running in this process, or already
// final, is left alone, so Run is safe to call again for the same id: that
// is how a crash is recovered (see Resume). With a store shared by several
// replicas (a Claimer), Run first claims the operation and leaves it alone
// when another replica holds it; it stops, as at shutdown, if it loses the
// claim.
func (s *Service) Run(ctx context.Context, id string) {
	if _, busy := s.running.LoadOrStore(id, struct{}{}); busy {
		return
	}
	defer s.running.Delete(id)
	ctx, release, ok := s.claim(ctx, id)
	if !ok {
		return
	}
	defer release()
	op, err := s.store.GetOperation(ctx, id)
	if err != nil {
		s.log.Error("operation not found", "op", id, "err", err)
		return
	}
	if op.State.Final() {
		return
	}
	switch op.Kind {
	case store.OpUp:
		err = s.runUp(ctx, op)
	case store.OpDown:
		err = s.runDown(ctx, op)
	case store.OpSnapshotCreate:
		err = s.runSnapshotCreate(ctx, op)
	case store.OpSnapshotDelete:
		err = s.runSnapshotDelete(ctx, op)
	default:
		err = fmt.Errorf("unknown operation kind %q", op.Kind)
	}
	if err != nil {
		s.fail(ctx, op.ID, err)
	}
}

// Resume restarts every unfinished operation, as after a crash: creates
// whose cloud id was never recorded are looked up by their spuff-op label
// before anything is created again. Operations awaiting approval keep
// waiting, unless the decision was recorded before the crash: an approved
// one is restarted, a denied or expired one is ended. An operation that
// ended shortly before the crash, before a front end reported showing its
// final event (Reported), gets that event again, with Event.Replay set
// (see ReplayWindow). It returns the number of operations restarted.
//
// With a store shared by several replicas (a Claimer), Resume restarts
// only what no replica runs: it claims each operation first, and leaves
// alone one accepted or approved within HAConfig.ResumeGrace, which the
// replica that took the request is about to start. Background calls it
// every HAConfig.ResumeEvery then, so that a survivor finishes what a dead
// replica started once its claims expire.
func (s *Service) Resume(ctx context.Context) (int, error) {
	// Before anything is restarted, which could end and be replayed too.
	if err := s.replay(ctx); err != nil {
		s.log.Error("resume: show final events again", "err", err)
	}
	ops, err := s.store.ListOperations(ctx, true)
	if err != nil {
		return 0, fmt.Errorf("resume: %w", err)
	}
	n := 0
	for _, op := range ops {
		if op.State == store.OpAwaitingApproval && !s.decided(ctx, &op) {
			continue
		}
		if !s.take(ctx, &op) {
			continue
		}
		s.log.Info("resuming operation", "op", op.ID, "cmd", string(op.Kind), "instance", op.Instance)
		s.Start(ctx, op.ID)
		n++
	}
	return n, nil
}

// decided reports whether the request of op, awaiting approval, was
// approved before a crash kept Decide from starting it, so that it must be
// run now. A request denied or expired before a crash kept Decide from
// ending it is ended here.
func (s *Service) decided(ctx context.Context, op *store.Operation) bool {
	a, err := s.store.GetApproval(ctx, op.ID)
	if err != nil {
		return false
	}
	switch a.State {
	case store.ApprovalApproved:
		return !s.freshlyApproved(a)
	case store.ApprovalDenied:
		s.endApproval(ctx, op, a, EventDenied, "denied by an approver")
	case store.ApprovalExpired:
		s.endApproval(ctx, op, a, EventApprovalExpired, "the request expired before anyone decided")
	}
	return false
}

// AttachThread records where a front end shows an operation's progress,
// so that a resumed operation reports to the same thread.
func (s *Service) AttachThread(ctx context.Context, opID, channel, ts string) (*store.Operation, error) {
	op, err := s.store.UpdateOperation(ctx, opID, func(op *store.Operation) error {
		op.Channel, op.ThreadTS = channel, ts
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("attach thread to %s: %w", opID, err)
	}
	if op.Kind == store.OpUp && op.Instance != "" {
		_, err = s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
			if in.OpID == op.ID {
				in.Channel, in.ThreadTS = channel, ts
			}
			return nil
		})
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return op, fmt.Errorf("attach thread to %s: %w", op.Instance, err)
		}
	}
	return op, nil
}

// step journals that op reached step (and optional changes) before the
// step's cloud call happens.
func (s *Service) step(ctx context.Context, id string, fn func(*store.Operation)) (*store.Operation, error) {
	op, err := s.store.UpdateOperation(ctx, id, func(op *store.Operation) error {
		fn(op)
		s.ended(op)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("journal %s: %w", id, err)
	}
	return op, nil
}

// ended stamps when op reached its final state, once.
func (s *Service) ended(op *store.Operation) {
	if op.State.Final() && op.Ended.IsZero() {
		op.Ended = s.cfg.Now()
	}
}

// emit sends an event for op to the notifier.
func (s *Service) emit(ctx context.Context, kind EventKind, op *store.Operation, in *store.Instance, mod func(*Event)) {
	ev := Event{Kind: kind, Op: *op, Instance: in, ProviderLabel: Label(op.Provider)}
	if mod != nil {
		mod(&ev)
	}
	s.notifier.Notify(ctx, ev)
}

// fail ends operation id with err, tells the person why, and audits it.
// A cancelled context is a shutdown, not a failure: the operation stays
// journaled for the next start. So is any error once ctx has ended, which
// may be the shutdown's doing; the next start finds out.
func (s *Service) fail(ctx context.Context, id string, err error) {
	if ctx.Err() != nil {
		s.log.Info("operation interrupted; will resume on next start", "op", id)
		return
	}
	msg, ref := Describe(s.log, "operation failed", err, "op", id)
	op := s.failOp(ctx, id, errors.New(msg))
	if op == nil {
		return
	}
	var in *store.Instance
	if op.Kind == store.OpUp {
		in, _ = s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
			if in.OpID == op.ID && in.CloudID == "" && in.Status.Live() {
				in.Status, in.Ended = store.InstanceFailed, s.cfg.Now()
			}
			return nil
		})
	} else if op.Kind == store.OpDown {
		// The destroy did not happen: the instance is still there, and a
		// later down must be able to try again. A record that is not the
		// down's target (the name was reused) is left alone.
		var req downRequest
		_ = json.Unmarshal(op.Request, &req)
		stale := false
		in, _ = s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
			if !req.targets(op, in) {
				stale = true
				return errStaleDown
			}
			if in.Status == store.InstanceDestroying {
				in.Status = store.InstanceReady
				if in.IP == "" {
					in.Status = store.InstanceCreating
				}
			}
			return nil
		})
		if stale {
			in = nil // someone else's VM now: its cards are not this down's
		}
	} else if op.Instance != "" {
		in, _ = s.store.GetInstance(ctx, op.Instance)
	}
	s.audit(ctx, op.Owner, string(op.Kind), op.Instance, "failed: "+msg, op.ID)
	s.emit(ctx, EventFailed, op, in, func(ev *Event) { ev.Detail, ev.Ref = msg, ref })
}

// failOp marks the operation failed with err's text.
func (s *Service) failOp(ctx context.Context, id string, err error) *store.Operation {
	op, uerr := s.store.UpdateOperation(ctx, id, func(op *store.Operation) error {
		op.State, op.Error = store.OpFailed, err.Error()
		s.ended(op)
		return nil
	})
	if uerr != nil {
		s.log.Error("journal failure", "op", id, "err", uerr)
		return nil
	}
	return op
}

// audit appends to the audit log; an audit failure is logged, not fatal.
func (s *Service) audit(ctx context.Context, actor, action, target, outcome, opID string) {
	err := s.store.Audit(ctx, store.AuditEvent{Actor: actor, Action: action, Target: target, Outcome: outcome, OpID: opID})
	if err != nil {
		s.log.Error("audit", "user", actor, "cmd", action, "err", err)
	}
}
