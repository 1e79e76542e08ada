package commands

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// createAtCloud creates the VM of op, persisting through unknown outcomes
// (see persist): before each new try it looks for the VM by its spuff-op
// label and adopts it when found. When the create fails after a try whose
// outcome was unknown, it looks once more and destroys what appeared, so
// that a failed create leaves nothing behind.
func (s *Service) createAtCloud(ctx context.Context, p providers.Provider, op *store.Operation, ireq providers.InstanceRequest, since time.Time) (*providers.Instance, error) {
	var made *providers.Instance
	uncertain := false
	err := s.persist(ctx, op, cloudCall{
		action: "create the VM",
		since:  since,
		do: func(ctx context.Context) error {
			in, err := p.CreateInstance(ctx, ireq)
			if err == nil {
				made = in
			} else if providers.OutcomeUnknown(err) || errors.Is(err, providers.ErrConflict) || isCtxErr(err) {
				uncertain = true
			}
			return err
		},
		happened: func(ctx context.Context) (bool, error) {
			in, err := findByOp(ctx, p, op.ID)
			if in != nil {
				made = in
			}
			return in != nil, err
		},
	})
	if err == nil && uncertain {
		s.dropExtras(ctx, p, op, made.ID)
	}
	if err == nil || ctx.Err() != nil {
		return made, err
	}
	left := "nothing was created"
	if uncertain {
		left = s.sweepCreate(ctx, p, op)
	}
	var ce *CloudError
	if errors.As(err, &ce) {
		ce.Left = left
	}
	return nil, err
}

// lookup finds the VM labelled with operation id upID for op, looking
// again while the cloud's answer is unclear (see persist).
func (s *Service) lookup(ctx context.Context, p providers.Provider, op *store.Operation, upID string) (*providers.Instance, error) {
	return s.lookupSince(ctx, p, op, upID, time.Time{})
}

// lookupSince is lookup within the deadline of a call first journaled at
// since (see cloudCall.since).
func (s *Service) lookupSince(ctx context.Context, p providers.Provider, op *store.Operation, upID string, since time.Time) (*providers.Instance, error) {
	var found *providers.Instance
	err := s.persist(ctx, op, cloudCall{action: "list its VMs", since: since, do: func(ctx context.Context) error {
		var err error
		found, err = findByOp(ctx, p, upID)
		return err
	}})
	return found, err
}

// sweepTimeout bounds the last look for a VM a failed create may have
// made, and its destroy.
const sweepTimeout = time.Minute

// sweepCreate looks a last time for VMs labelled with op's id and
// destroys them, and says what it did.
func (s *Service) sweepCreate(ctx context.Context, p providers.Provider, op *store.Operation) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sweepTimeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		found, err := findAllByOp(ctx, p, op.ID)
		if err == nil && len(found) == 0 {
			return "nothing was created"
		}
		if err == nil {
			if err = s.destroyAll(ctx, p, op, found, "destroyed a VM a failed create made late"); err == nil {
				return "the VM it made late was destroyed"
			}
		}
		s.log.Warn("last look for a VM of a failed create", "op", op.ID, "provider", op.Provider, "err", err)
		if !sleepCtx(ctx, s.retryWait(attempt, err)) {
			return "whether it made a VM is unknown; the reconciler reports any to the admins"
		}
	}
}

// dropExtras destroys the VMs labelled with op's id other than keep: a
// create whose answer was lost, then tried again before the cloud listed
// the first VM, makes two. It tries once; what it cannot destroy the
// reconciler reports as an orphan.
func (s *Service) dropExtras(ctx context.Context, p providers.Provider, op *store.Operation, keep string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sweepTimeout)
	defer cancel()
	found, err := findAllByOp(ctx, p, op.ID)
	if err == nil {
		found = slices.DeleteFunc(found, func(in providers.Instance) bool { return in.ID == keep })
		err = s.destroyAll(ctx, p, op, found, "destroyed a second VM of one create")
	}
	if err != nil {
		s.log.Warn("destroy a second VM of one create", "op", op.ID, "provider", op.Provider, "err", err)
	}
}

// destroyAll destroys each of list, logging msg for each.
func (s *Service) destroyAll(ctx context.Context, p providers.Provider, op *store.Operation, list []providers.Instance, msg string) error {
	for _, in := range list {
		if err := p.DestroyInstance(ctx, in.ID); err != nil {
			return err
		}
		s.log.Info(msg, "op", op.ID, "provider", op.Provider, "instance", in.ID)
		s.orphans.destroyedByUs(op.Provider, in.ID, s.cfg.Now())
	}
	return nil
}

// waitBoot waits until the VM of op is ready, at most until the boot
// deadline: BootTimeout after the VM was created (Instance.Created), so
// that a restart does not start the wait over. A list that keeps failing
// with an unknown outcome is tried again until the deadline.
func (s *Service) waitBoot(ctx context.Context, p providers.Provider, op *store.Operation) (*providers.Instance, error) {
	start := s.cfg.Now()
	if in, err := s.store.GetInstance(ctx, op.Instance); err == nil && in.OpID == op.ID && !in.Created.IsZero() {
		start = in.Created
	}
	bctx, cancel := context.WithTimeout(ctx, s.cfg.BootTimeout-s.cfg.Now().Sub(start))
	defer cancel()
	for attempt := 0; ; attempt++ {
		ready, err := s.waitReady(bctx, op.Provider, p, op.CloudID)
		switch {
		case err == nil:
			return ready, nil
		case ctx.Err() != nil:
			return nil, err // shutdown
		case bctx.Err() != nil:
			// The deadline. One last look: a VM ready by now (after a
			// restart, say) is kept; otherwise its status says why.
			in, gerr := p.GetInstance(ctx, op.CloudID)
			if gerr == nil && in.Ready() {
				return in, nil
			}
			var status providers.Status
			if in != nil {
				status = in.Status
			}
			return nil, &BootError{Provider: op.Provider, Instance: op.Instance, After: s.cfg.BootTimeout, Status: status}
		case !providers.OutcomeUnknown(err):
			return nil, err
		}
		s.log.Warn("waiting for a VM: the cloud keeps failing; waiting on", "op", op.ID, "provider", op.Provider, "err", err)
		if !sleepCtx(bctx, s.retryWait(attempt, err)) {
			continue // the deadline: the next round says so
		}
	}
}

// abandonBoot destroys the VM of op, which did not become ready (waitErr),
// and returns the error the operation fails with: a *BootError with the
// cloud's last status when the boot deadline passed.
func (s *Service) abandonBoot(ctx context.Context, p providers.Provider, op *store.Operation, waitErr error) error {
	derr := s.destroyAtCloud(ctx, p, op, op.CloudID)
	var in *store.Instance
	if derr != nil {
		if ctx.Err() != nil {
			return derr // shutdown: the destroy is finished on the next start
		}
		s.log.Error("destroy after failed wait", "op", op.ID, "instance", op.Instance, "err", derr)
	} else {
		in = s.markDestroyed(ctx, op.Instance)
	}
	var be *BootError
	if !errors.As(waitErr, &be) {
		return waitErr
	}
	be.Destroyed = derr == nil
	s.log.Warn("VM not ready by the boot deadline", "op", op.ID, "provider", op.Provider,
		"instance", op.Instance, "status", string(be.Status), "destroyed", be.Destroyed)
	if in == nil {
		in, _ = s.store.GetInstance(ctx, op.Instance)
	}
	if in != nil && in.OpID == op.ID {
		s.emit(ctx, EventBootTimeout, op, in, func(ev *Event) { ev.Detail = be.sentence() })
	}
	return be
}
