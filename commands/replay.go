package commands

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// ReplayWindow is how long after an operation ended Resume still shows its
// final event again when no front end confirmed showing it (Reported):
// a crash a moment after the end must not keep the result from the person,
// and an old journal must not flood the channels after a long outage.
const ReplayWindow = 24 * time.Hour

// replayState remembers the final events this process has shown again,
// so that each is shown again at most once per process, and with a shared
// store the claims it holds on them until they are reported.
type replayState struct {
	mu     sync.Mutex
	last   time.Time         // when the journal was last searched
	shown  map[string]bool   // op id -> replayed
	claims map[string]func() // op id -> release
}

// Reported records that a front end has shown the final event of
// operation opID, so that Resume does not show it again after a restart.
// Front ends call it once the event reached the person: the bot after the
// root message and the thread reply went out, the console after printing.
// Reporting an operation twice is harmless; an operation that is not final
// yet is an error.
func (s *Service) Reported(ctx context.Context, opID string) error {
	_, err := s.store.UpdateOperation(ctx, opID, func(op *store.Operation) error {
		if !op.State.Final() {
			return fmt.Errorf("operation is %s, not final", op.State)
		}
		if op.Reported {
			return errUnchanged
		}
		op.Reported = true
		return nil
	})
	if err != nil && !errors.Is(err, errUnchanged) {
		return fmt.Errorf("journal %s reported: %w", opID, err)
	}
	s.replays.release(opID)
	return nil
}

// replay sends the final event of every operation that ended within
// ReplayWindow, in a thread or channel, without a front end reporting
// that it showed it: a crash came between journaling the end and
// showing it. The event is rebuilt from the journal and has Replay set.
// An operation followed by a later up or down of the same instance is
// left alone, its thread has moved on; so is a ready up whose instance is
// gone since.
//
// A process shows each such event at most once. With a store several
// replicas share, replay leaves alone what ended less than
// HAConfig.ResumeGrace ago, which the replica that ran it is still
// showing, looks for recent final events at most once per ResumeGrace, and
// claims each operation first, so that one replica shows it; the claim is
// held until Reported (or until the replica ends).
func (s *Service) replay(ctx context.Context) error {
	now := s.cfg.Now()
	claimer, shared := s.store.(Claimer)
	var minAge time.Duration
	if shared {
		minAge = s.cfg.HA.ResumeGrace
	}
	s.replays.mu.Lock()
	if shared && !s.replays.last.IsZero() && now.Sub(s.replays.last) < minAge {
		s.replays.mu.Unlock()
		return nil
	}
	s.replays.last = now
	s.replays.mu.Unlock()

	ops, err := s.recentOperations(ctx, now)
	if err != nil {
		return fmt.Errorf("look for final events to show: %w", err)
	}
	last := lastUpDown(ops)
	for i := range ops {
		op := &ops[i]
		age := now.Sub(op.Ended)
		if !op.State.Final() || op.Reported || op.Ended.IsZero() || age > ReplayWindow || age < minAge ||
			(op.Channel == "" && op.ThreadTS == "") || !replayable[op.Kind] ||
			last[op.Instance] > i || s.replays.seen(op.ID) {
			continue
		}
		in, _ := s.store.GetInstance(ctx, op.Instance)
		if op.Kind == store.OpUp && op.State == store.OpDone && (in == nil || in.OpID != op.ID || in.Status != store.InstanceReady) {
			continue // gone since (the reconciler told), or not this up's any more
		}
		if shared {
			release, ok, err := claimer.Claim(ctx, op.ID)
			if err != nil {
				s.log.Error("claim operation", "op", op.ID, "err", err)
			}
			if !ok {
				continue
			}
			s.replays.hold(op.ID, release)
		}
		s.replays.mark(op.ID)
		kind, mod := s.finalEvent(ctx, op)
		s.log.Info("showing the final event again", "op", op.ID, "cmd", string(op.Kind), "instance", op.Instance)
		s.emit(ctx, kind, op, in, func(ev *Event) {
			ev.Replay = true
			if mod != nil {
				mod(ev)
			}
		})
	}
	return nil
}

// seen reports whether this process replayed op id already.
func (r *replayState) seen(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.shown[id]
}

// mark records that this process replays op id.
func (r *replayState) mark(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shown == nil {
		r.shown = make(map[string]bool)
	}
	r.shown[id] = true
}

// hold keeps the release of the claim on op id until release.
func (r *replayState) hold(id string, release func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.claims == nil {
		r.claims = make(map[string]func())
	}
	r.claims[id] = release
}

// release gives back the claim on op id, if this process holds one.
func (r *replayState) release(id string) {
	r.mu.Lock()
	release := r.claims[id]
	delete(r.claims, id)
	r.mu.Unlock()
	if release != nil {
		release()
	}
}

// replayable are the operation kinds whose final event replay shows again.
var replayable = map[store.OpKind]bool{
	store.OpUp: true, store.OpDown: true, store.OpSnapshotCreate: true, store.OpSnapshotDelete: true,
}

// lastUpDown returns, per instance name, the index in ops (ordered by
// Created) of the last up or down journaled for it.
func lastUpDown(ops []store.Operation) map[string]int {
	out := make(map[string]int)
	for i, op := range ops {
		if op.Instance != "" && (op.Kind == store.OpUp || op.Kind == store.OpDown) {
			out[op.Instance] = i
		}
	}
	return out
}

// finalEvent rebuilds the last event of op, which is final, from the
// journal: what the run that ended it emitted.
func (s *Service) finalEvent(ctx context.Context, op *store.Operation) (EventKind, func(*Event)) {
	if op.State == store.OpFailed {
		if a, err := s.store.GetApproval(ctx, op.ID); err == nil {
			switch a.State {
			case store.ApprovalDenied:
				return EventDenied, func(ev *Event) { ev.Approval, ev.Actor, ev.Detail = a, UserID(a.DecidedBy), op.Error }
			case store.ApprovalExpired:
				return EventApprovalExpired, func(ev *Event) { ev.Approval, ev.Detail = a, op.Error }
			}
		}
		return EventFailed, func(ev *Event) { ev.Detail = op.Error }
	}
	switch op.Kind {
	case store.OpUp:
		return EventReady, func(ev *Event) { ev.Estimated = s.estimated(op.Provider) }
	case store.OpDown:
		var req downRequest
		_ = json.Unmarshal(op.Request, &req)
		if req.Expired || op.Owner == SystemActor {
			return EventExpired, expiredDetail
		}
		return EventDestroyed, func(ev *Event) { ev.Actor = UserID(op.Owner) }
	case store.OpSnapshotCreate:
		var label string
		_ = json.Unmarshal(op.Request, &label)
		return EventSnapshotCreated, func(ev *Event) {
			ev.Snapshot = &providers.Snapshot{ID: op.SnapshotID, Name: snapshotName(op.Instance, label)}
		}
	}
	return EventSnapshotDeleted, func(ev *Event) { ev.Snapshot = &providers.Snapshot{ID: op.SnapshotID} }
}

// recentOperations returns what replay looks at, ordered by Created, then
// ID: the operations that ended within twice ReplayWindow (those within
// it, and what came before them lately) and the unfinished ones, each
// read through its index rather than the whole journal.
func (s *Service) recentOperations(ctx context.Context, now time.Time) ([]store.Operation, error) {
	ended, err := s.store.ListEndedOperations(ctx, now.Add(-2*ReplayWindow))
	if err != nil {
		return nil, err
	}
	open, err := s.store.ListOperations(ctx, true)
	if err != nil {
		return nil, err
	}
	ops := append(ended, open...)
	slices.SortFunc(ops, func(a, b store.Operation) int {
		return cmp.Or(a.Created.Compare(b.Created), cmp.Compare(a.ID, b.ID))
	})
	return ops, nil
}
