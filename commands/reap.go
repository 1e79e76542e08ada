package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// expiryRetry is how long Reap waits before it tries again to destroy an
// instance whose expiry failed, so that a cloud outage is not reported
// every pass.
const expiryRetry = 5 * time.Minute

// reaper is the state of Reap: one pass at a time, and when to retry the
// expiries that failed.
type reaper struct {
	mu      sync.Mutex
	retryAt map[string]time.Time // instance name -> next try
}

// ReapReport is what one Reap pass did.
type ReapReport struct {
	// Warned names the instances whose owners were warned in this pass.
	Warned []string
	// Expired names the instances destroyed because their lease ended.
	Expired []string
	// Failed names the instances whose destroy failed; a later pass tries
	// again.
	Failed []string
}

// errUnchanged leaves a record as it is in an Update.
var errUnchanged = errors.New("unchanged")

// Reap runs one pass over the leases of the ready instances. An owner is
// warned once (EventLeaseWarning, recorded in Instance.WarnedAt) when the
// lease ends within Config.WarnBefore; an extension starts over. An
// instance whose lease has ended is destroyed — deleted at the cloud, not
// powered off: Reap journals a down operation asked by SystemActor, runs
// it and ends it with EventExpired. Background calls Reap every minute.
func (s *Service) Reap(ctx context.Context) (ReapReport, error) {
	s.reap.mu.Lock()
	defer s.reap.mu.Unlock()
	var rep ReapReport
	live, err := s.store.ListInstances(ctx, store.InstanceFilter{LiveOnly: true})
	if err != nil {
		return rep, fmt.Errorf("reap: %w", err)
	}
	downs, err := s.pendingDowns(ctx)
	if err != nil {
		return rep, fmt.Errorf("reap: %w", err)
	}
	now := s.cfg.Now()
	var expire []store.Instance
	for _, in := range live {
		// The lease starts at create: a VM still booting expires too.
		booting := in.Status == store.InstanceCreating && in.CloudID != ""
		if (in.Status != store.InstanceReady && !booting) || in.LeaseExpiry.IsZero() || downs[in.Name] != nil {
			continue
		}
		switch {
		case !now.Before(in.LeaseExpiry):
			if now.Before(s.reap.retryAt[in.Name]) {
				continue
			}
			expire = append(expire, in)
		case !booting && in.WarnedAt.IsZero() && !now.Before(in.LeaseExpiry.Add(-s.cfg.WarnBefore)):
			if s.warn(ctx, in.Name) {
				rep.Warned = append(rep.Warned, in.Name)
			}
		}
	}
	ok := make([]bool, len(expire))
	var wg sync.WaitGroup
	for i, in := range expire {
		wg.Go(func() { ok[i] = s.expire(ctx, in) })
	}
	wg.Wait()
	for i, in := range expire {
		if ok[i] {
			delete(s.reap.retryAt, in.Name)
			rep.Expired = append(rep.Expired, in.Name)
			continue
		}
		if ctx.Err() != nil {
			continue // shutdown: Resume finishes it
		}
		if s.reap.retryAt == nil {
			s.reap.retryAt = make(map[string]time.Time)
		}
		s.reap.retryAt[in.Name] = now.Add(expiryRetry)
		rep.Failed = append(rep.Failed, in.Name)
	}
	return rep, nil
}

// warn records that the owner of instance name is warned and tells them,
// unless the lease changed since it was read. It reports whether it warned.
func (s *Service) warn(ctx context.Context, name string) bool {
	now := s.cfg.Now()
	in, err := s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		if in.Status != store.InstanceReady || !in.WarnedAt.IsZero() || now.Before(in.LeaseExpiry.Add(-s.cfg.WarnBefore)) {
			return errUnchanged
		}
		in.WarnedAt = now
		return nil
	})
	if err != nil {
		if !errors.Is(err, errUnchanged) {
			s.log.Error("record lease warning", "instance", name, "err", err)
		}
		return false
	}
	op := s.instanceOp(ctx, in)
	s.audit(ctx, SystemActor, "lease-warning", in.Name, "ok: ends "+in.LeaseExpiry.UTC().Format(time.RFC3339), "")
	s.emit(ctx, EventLeaseWarning, op, in, func(ev *Event) {
		ev.Detail = fmt.Sprintf("`%s` will be destroyed at %s, in %s, when its lease ends.",
			in.Name, in.LeaseExpiry.UTC().Format("Mon 15:04 MST"), leaseLeft(in, now))
	})
	return true
}

// expire journals and runs the down operation that ends in's lease, and
// reports whether the instance is destroyed.
func (s *Service) expire(ctx context.Context, in store.Instance) bool {
	op, created, err := s.journalExpiry(ctx, store.Operation{
		ID: newID(), Kind: store.OpDown, State: store.OpAccepted, Owner: SystemActor,
		Channel: in.Channel, ThreadTS: in.ThreadTS, Provider: in.Provider, Instance: in.Name, CloudID: in.CloudID,
		Request: mustJSON(downRequest{Expired: true, Target: in.OpID}),
	}, &in)
	if err != nil {
		s.log.Error("journal expiry", "instance", in.Name, "err", err)
		return false
	}
	if created {
		s.audit(ctx, SystemActor, "expire", in.Name, "accepted", op.ID)
	}
	s.Run(ctx, op.ID)
	done, err := s.store.GetOperation(context.WithoutCancel(ctx), op.ID)
	return err == nil && done.State == store.OpDone
}

// pendingDowns returns the unfinished down operations by instance name.
func (s *Service) pendingDowns(ctx context.Context) (map[string]*store.Operation, error) {
	ops, err := s.store.ListOperations(ctx, true)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*store.Operation)
	for i := range ops {
		if ops[i].Kind == store.OpDown {
			out[ops[i].Instance] = &ops[i]
		}
	}
	return out, nil
}

// instanceOp returns the up operation of in, which carries its thread, for
// the events that concern the instance rather than an operation. An
// instance without one (an adopted orphan) gets one made up from it.
func (s *Service) instanceOp(ctx context.Context, in *store.Instance) *store.Operation {
	if in.OpID != "" {
		if op, err := s.store.GetOperation(ctx, in.OpID); err == nil && op.Instance == in.Name {
			if in.ThreadTS != "" {
				op.Channel, op.ThreadTS = in.Channel, in.ThreadTS
			}
			return op
		}
	}
	return &store.Operation{ID: in.OpID, Kind: store.OpUp, State: store.OpDone, Owner: in.Owner,
		Channel: in.Channel, ThreadTS: in.ThreadTS, Provider: in.Provider, Instance: in.Name, CloudID: in.CloudID,
		Created: in.Created, Updated: in.Created}
}
