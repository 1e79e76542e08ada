package commands

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/store"
)

// requestApproval parks op until an approver decides.
func (s *Service) requestApproval(ctx context.Context, op *store.Operation, in *store.Instance) error {
	now := s.cfg.Now()
	a := store.Approval{OpID: op.ID, State: store.ApprovalPending, Requester: op.Owner,
		Expires: now.Add(s.cfg.ApprovalExpiry), Created: now}
	if err := s.store.PutApproval(ctx, a); err != nil {
		return fmt.Errorf("record approval: %w", err)
	}
	op, err := s.step(ctx, op.ID, func(o *store.Operation) { o.State = store.OpAwaitingApproval })
	if err != nil {
		return err
	}
	s.audit(ctx, op.Owner, "up", op.Instance, "awaiting approval", op.ID)
	s.emit(ctx, EventAwaitingApproval, op, in, func(ev *Event) { ev.Approval = &a })
	return nil
}

// Decision is the outcome of a click on Approve or Deny.
type Decision struct {
	Approval store.Approval
	Op       store.Operation
	// Changed reports whether this click decided; false means the request
	// was already decided (see Approval.DecidedBy) and nothing changed.
	Changed bool
}

// Decide records approver's decision on the request of operation opID.
// Only an approver may decide, never the requester; a request already
// decided or expired is left as it is (Changed false). An approval is a
// fresh up at the moment of the click: the policy, the quota and the
// budget are checked again (recheck). When they refuse, the request keeps
// waiting, the refusal is returned for the approver and told to the
// requester and on the cards (EventApprovalRefused). Approving starts the
// operation.
func (s *Service) Decide(ctx context.Context, opID, approver string, approve bool) (Decision, error) {
	a, err := s.store.GetApproval(ctx, opID)
	if err != nil {
		return Decision{}, refuse("", "this request is no longer known to spuffbot")
	}
	if !s.IsApprover(approver) {
		return Decision{}, refuseText(Concat(Textf("ask one of: "), Users(s.cfg.Approvers)), Textf("only approvers can decide on requests"))
	}
	if approver == a.Requester {
		return Decision{}, refuse("another approver has to decide", "you cannot approve or deny your own request")
	}
	if approve && a.State == store.ApprovalPending && !s.cfg.Now().After(a.Expires) {
		op, err := s.store.GetOperation(ctx, opID)
		if err != nil {
			return Decision{}, fmt.Errorf("decide %s: %w", opID, err)
		}
		if _, cached := s.catalogs.cached(op.Provider); !cached {
			_, _ = s.catalogs.get(ctx, op.Provider) // for recheck, fetched before taking the lock
		}
		s.acceptMu.Lock()
		defer s.acceptMu.Unlock()
		var ue *UsageError
		if err := s.recheck(ctx, op); errors.As(err, &ue) && !op.State.Final() {
			return Decision{}, s.approvalRefused(ctx, op, a, approver, ue)
		} else if err != nil && !op.State.Final() {
			return Decision{}, err
		}
	}
	changed := false
	na, err := s.store.UpdateApproval(ctx, opID, func(a *store.Approval) error {
		changed = false // a store may run fn again on a fresh copy
		if a.State != store.ApprovalPending {
			return nil
		}
		if s.cfg.Now().After(a.Expires) {
			a.State = store.ApprovalExpired
			return nil
		}
		changed = true
		a.DecidedBy, a.DecidedAt = approver, s.cfg.Now()
		a.State = store.ApprovalDenied
		if approve {
			a.State = store.ApprovalApproved
		}
		return nil
	})
	if err != nil {
		return Decision{}, fmt.Errorf("decide %s: %w", opID, err)
	}
	op, err := s.store.GetOperation(ctx, opID)
	if err != nil {
		return Decision{}, fmt.Errorf("decide %s: %w", opID, err)
	}
	d := Decision{Approval: *na, Op: *op, Changed: changed}
	if !changed {
		if na.State == store.ApprovalExpired && !op.State.Final() {
			s.endApproval(ctx, op, na, EventApprovalExpired, "the request expired before anyone decided")
		}
		return d, nil
	}
	s.audit(ctx, approver, map[bool]string{true: "approve", false: "deny"}[approve], op.Instance, "ok", op.ID)
	if !approve {
		s.endApproval(ctx, op, na, EventDenied, "denied by an approver")
		return d, nil
	}
	in, _ := s.store.GetInstance(ctx, op.Instance)
	s.emit(ctx, EventApproved, op, in, func(ev *Event) { ev.Approval, ev.Actor = na, UserID(approver) })
	s.Start(ctx, op.ID)
	return d, nil
}

// approvalRefused tells the requester and the cards why approver's
// Approve could not go through, audits it, and returns the refusal for
// the approver. The request keeps waiting.
func (s *Service) approvalRefused(ctx context.Context, op *store.Operation, a *store.Approval, approver string, ue *UsageError) error {
	why := Concat(Textf("cannot approve now: "), ue.Message())
	told := why
	if hint := ue.HintMessage(); len(hint) > 0 {
		told = Concat(why, Textf(" — "), hint)
	}
	s.audit(ctx, approver, "approve", op.Instance, "refused: "+ue.Msg, op.ID)
	in, _ := s.store.GetInstance(ctx, op.Instance)
	s.emit(ctx, EventApprovalRefused, op, in, func(ev *Event) {
		ev.Approval, ev.Actor, ev.Detail, ev.DetailText = a, UserID(approver), told.Plain(), told
	})
	return refuseText(ue.HintMessage(), why)
}

// ExpireApprovals ends every pending request older than the approval
// expiry and returns how many it ended.
func (s *Service) ExpireApprovals(ctx context.Context) (int, error) {
	pending, err := s.store.ListApprovals(ctx, true)
	if err != nil {
		return 0, fmt.Errorf("expire approvals: %w", err)
	}
	n := 0
	now := s.cfg.Now()
	for _, p := range pending {
		if !now.After(p.Expires) {
			continue
		}
		expired := false
		a, err := s.store.UpdateApproval(ctx, p.OpID, func(a *store.Approval) error {
			expired = false // a store may run fn again on a fresh copy
			if a.State == store.ApprovalPending {
				a.State, expired = store.ApprovalExpired, true
			}
			return nil
		})
		if err != nil || !expired {
			continue
		}
		op, err := s.store.GetOperation(ctx, p.OpID)
		if err != nil {
			continue
		}
		s.endApproval(ctx, op, a, EventApprovalExpired, fmt.Sprintf("nobody decided within %s", fmtDuration(s.cfg.ApprovalExpiry)))
		n++
	}
	return n, nil
}

// endApproval fails a request that was denied or expired and releases
// its reserved instance name.
func (s *Service) endApproval(ctx context.Context, op *store.Operation, a *store.Approval, kind EventKind, why string) {
	op = s.endOp(ctx, op.ID, why)
	if op == nil {
		return
	}
	in, _ := s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
		if in.OpID == op.ID {
			in.Status, in.Ended = store.InstanceFailed, s.cfg.Now()
		}
		return nil
	})
	s.emit(ctx, kind, op, in, func(ev *Event) { ev.Approval, ev.Actor, ev.Detail = a, UserID(a.DecidedBy), why })
}

// PendingRequest is a request waiting for an approver.
type PendingRequest struct {
	Approval store.Approval
	Op       store.Operation
	// Instance is the reserved instance: size, region, price.
	Instance      *store.Instance
	ProviderLabel string
	Estimated     bool
}

// PendingRequests returns requester's requests that wait for an approver,
// soonest to expire first.
func (s *Service) PendingRequests(ctx context.Context, requester string) ([]PendingRequest, error) {
	pending, err := s.store.ListApprovals(ctx, true)
	if err != nil {
		return nil, fmt.Errorf("pending requests of %s: %w", requester, err)
	}
	var out []PendingRequest
	for _, a := range pending {
		if a.Requester != requester {
			continue
		}
		op, err := s.store.GetOperation(ctx, a.OpID)
		if err != nil || op.State.Final() {
			continue
		}
		in, _ := s.store.GetInstance(ctx, op.Instance)
		out = append(out, PendingRequest{Approval: a, Op: *op, Instance: in,
			ProviderLabel: Label(op.Provider), Estimated: s.estimated(op.Provider)})
	}
	slices.SortFunc(out, func(x, y PendingRequest) int { return x.Approval.Expires.Compare(y.Approval.Expires) })
	return out, nil
}

// AddApprovalCard records that the approval card of operation opID was
// posted as message ts in channel, so that every copy can be updated on
// the decision even after a restart. Recording a card twice changes
// nothing.
func (s *Service) AddApprovalCard(ctx context.Context, opID, channel, ts string) error {
	ref := channel + "/" + ts
	_, err := s.store.UpdateApproval(ctx, opID, func(a *store.Approval) error {
		if !slices.Contains(a.Cards, ref) {
			a.Cards = append(a.Cards, ref)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("record approval card of %s: %w", opID, err)
	}
	return nil
}
