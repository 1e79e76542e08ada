package commands

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// Steps an up operation journals.
const (
	stepCreating = "creating" // the create call may have reached the cloud
	stepCreated  = "created"  // the cloud id is recorded
)

func (s *Service) runUp(ctx context.Context, op *store.Operation) error {
	p, ok := s.providers[op.Provider]
	if !ok {
		return refuse("", "cloud `%s` is no longer configured", op.Provider)
	}
	req, err := decodeUp(op)
	if err != nil {
		return err
	}
	if !req.Resolved {
		if err := s.resolveLate(ctx, op, &req); err != nil {
			return err
		}
	}
	if op.State == store.OpAccepted {
		in, _ := s.store.GetInstance(ctx, op.Instance)
		s.emit(ctx, EventAccepted, op, in, nil)
		if s.needsApproval(req.Price) || req.OverBudget {
			return s.requestApproval(ctx, op, in)
		}
	}
	if op.State == store.OpAwaitingApproval {
		a, err := s.store.GetApproval(ctx, op.ID)
		if err != nil || a.State != store.ApprovalApproved {
			return nil // still waiting: Decide restarts it
		}
	}
	if op.CloudID == "" {
		if err := s.create(ctx, p, op, req); err != nil {
			return err
		}
		if op, err = s.store.GetOperation(ctx, op.ID); err != nil {
			return err
		}
	}
	return s.awaitReady(ctx, p, op, req)
}

// resolveLate validates the request against the catalog when it was not
// cached at accept time, and records size and price.
func (s *Service) resolveLate(ctx context.Context, op *store.Operation, req *upRequest) error {
	cat, err := s.catalogs.get(ctx, op.Provider)
	if err != nil {
		return err
	}
	if err := s.resolve(ctx, cat, op.Provider, op.Owner, req); err != nil {
		return err
	}
	raw, _ := json.Marshal(req)
	if _, err := s.step(ctx, op.ID, func(o *store.Operation) { o.Request = raw }); err != nil {
		return err
	}
	op.Request = raw
	_, err = s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
		in.Size, in.Region, in.PriceHourly = req.Size, req.Region, req.Price
		return nil
	})
	return err
}

// create makes the instance at the cloud exactly once: if a previous run
// may have reached the cloud, it first looks for the instance by its
// spuff-op label. The deadline for unknown outcomes (CreateTimeout) counts
// from the create's first journaling (upRequest.CreateFrom), not from a
// restart: a run resumed after it looks once and adopts what it finds, or
// fails without asking again.
func (s *Service) create(ctx context.Context, p providers.Provider, op *store.Operation, req upRequest) error {
	var found *providers.Instance
	if op.Step == stepCreating {
		var err error
		if found, err = s.lookupSince(ctx, p, op, op.ID, req.CreateFrom); err != nil {
			return err
		}
		if _, late := s.pastDeadline(req.CreateFrom); late && found == nil {
			return &CloudError{Provider: op.Provider, Action: "create the VM", For: s.cfg.CreateTimeout,
				Last: context.DeadlineExceeded, Left: "nothing was created"}
		}
	}
	if found == nil {
		// A request cancelled with down while it waited for approval has
		// no live instance record any more: nobody wants the VM.
		in, err := s.store.GetInstance(ctx, op.Instance)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if in == nil || in.OpID != op.ID || !in.Status.Live() || in.Status == store.InstanceDestroying {
			return refuse("", "`%s` was cancelled before it was created", op.Instance)
		}
	}
	if req.CreateFrom.IsZero() {
		req.CreateFrom = s.cfg.Now()
	}
	raw, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode up request of %s: %w", op.ID, err)
	}
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step, o.Request = store.OpRunning, stepCreating, raw })
	if err != nil {
		return err
	}
	in, _ := s.store.GetInstance(ctx, op.Instance)
	s.emit(ctx, EventCreating, op, in, nil)
	failpoint.Inject("up-before-create")
	if found == nil {
		ireq, err := s.instanceRequest(ctx, p, op, req, in)
		if err != nil {
			return err
		}
		if found, err = s.createAtCloud(ctx, p, op, ireq, req.CreateFrom); err != nil {
			return err
		}
	}
	failpoint.Inject("up-after-create") // the VM exists, its id is not journaled
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.Step, o.CloudID = stepCreated, found.ID })
	if err != nil {
		return err
	}
	failpoint.Inject("up-after-journal-id") // on the operation, not yet on the instance
	now := s.cfg.Now()
	in, err = s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
		// The VM bills from now: its lease and its boot deadline start
		// here, so that the reaper and the reconciler see it at once.
		in.CloudID, in.Created, in.LeaseExpiry = found.ID, now, now.Add(req.TTL)
		return nil
	})
	if err != nil {
		return err
	}
	s.emit(ctx, EventCreated, op, in, func(ev *Event) { ev.Address = found.IP })
	return nil
}

// awaitReady waits for the IP, through the cloud's shared poller, until
// the boot deadline, and finishes the operation. If waiting fails for a
// reason other than shutdown, the VM is destroyed so that it does not bill
// unseen.
func (s *Service) awaitReady(ctx context.Context, p providers.Provider, op *store.Operation, req upRequest) error {
	failpoint.Inject("up-before-wait")
	ready, err := s.waitBoot(ctx, p, op)
	if err != nil {
		if isCtxErr(err) && ctx.Err() != nil {
			return err // shutdown: resumed on the next start
		}
		return s.abandonBoot(ctx, p, op, err)
	}
	now := s.cfg.Now()
	in, err := s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
		// CloudID too: a crash may have come between journaling it on the
		// operation and on the instance. The lease started at create; a
		// record from before that rule gets it now.
		in.CloudID, in.IP, in.Status = op.CloudID, ready.IP, store.InstanceReady
		if in.LeaseExpiry.IsZero() {
			in.LeaseExpiry = now.Add(req.TTL)
		}
		return nil
	})
	if err != nil {
		return err
	}
	failpoint.Inject("up-after-ready") // instance ready, operation not done
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step = store.OpDone, "ready" })
	if err != nil {
		return err
	}
	failpoint.Inject("op-after-done") // done, its final event not shown
	s.audit(ctx, op.Owner, "up", op.Instance, "ok", op.ID)
	s.emit(ctx, EventReady, op, in, func(ev *Event) { ev.Estimated = s.estimated(op.Provider) })
	s.probeSSH(op, in)
	return nil
}

func (s *Service) estimated(provider string) bool {
	cat, ok := s.catalogs.cached(provider)
	return ok && cat.PricesEstimated
}

func (s *Service) markDestroyed(ctx context.Context, name string) *store.Instance {
	in, err := s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		in.Status, in.Ended = store.InstanceDestroyed, s.cfg.Now()
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		s.log.Error("mark destroyed", "instance", name, "err", err)
	}
	if in != nil && in.CloudID != "" {
		s.orphans.destroyedByUs(in.Provider, in.CloudID, s.cfg.Now())
	}
	return in
}

// findByOp returns the instance labelled with operation id, or nil. Should
// a lost answer have let a create be made twice, it is the oldest (then
// the lowest id), so that every look adopts the same one; dropExtras
// destroys the others.
func findByOp(ctx context.Context, p providers.Provider, opID string) (*providers.Instance, error) {
	all, err := findAllByOp(ctx, p, opID)
	if err != nil || len(all) == 0 {
		return nil, err
	}
	return &all[0], nil
}

// findAllByOp returns every instance labelled with operation id, oldest
// first.
func findAllByOp(ctx context.Context, p providers.Provider, opID string) ([]providers.Instance, error) {
	list, err := p.ListInstances(ctx)
	if err != nil {
		return nil, fmt.Errorf("look for instance of %s: %w", opID, err)
	}
	var out []providers.Instance
	for _, in := range list {
		if in.Labels[providers.LabelOp] == opID {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b providers.Instance) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out, nil
}
