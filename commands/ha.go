package commands

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// Claimer is implemented by a store that several replicas share
// (etcdstore.Store): it lets one replica run an operation while the others
// leave it alone. The embedded bbolt store has one writer and does not
// implement it; without it nothing is claimed.
type Claimer interface {
	// Claim marks operation opID as run by this replica; ok is false when
	// another replica holds it. A claim outlives its replica only by the
	// store's lease, so that a survivor can resume the operation. release
	// gives it back.
	Claim(ctx context.Context, opID string) (release func(), ok bool, err error)
}

// Fencer is implemented by a Claimer whose claims can end while they are
// held: a replica that cannot renew its lease with the store loses them
// after the lease's time, and another replica may resume its operations.
type Fencer interface {
	// Fence returns a channel that is closed when the claims Claim takes
	// from now on are lost.
	Fence(ctx context.Context) (<-chan struct{}, error)
}

// Elector is implemented by a store that elects one of the replicas
// sharing it to run the background loops (etcdstore.Store).
type Elector interface {
	// Lead blocks until this replica is the leader or ctx ends; lost is
	// closed when the leadership ends, at the latest when ctx does.
	Lead(ctx context.Context) (lost <-chan struct{}, err error)
}

// HAConfig says how replicas sharing a store split the work. It matters
// only when the store is a Claimer or an Elector.
type HAConfig struct {
	// ResumeEvery is how often every replica looks for unfinished
	// operations that no replica runs (their replica died and its claims
	// expired) and resumes them. Zero: 5s.
	ResumeEvery time.Duration
	// ResumeGrace is how long an accepted operation that no replica has
	// started yet, or a request approved a moment ago, is left to the
	// replica that took it before another resumes it. Zero: 30s.
	ResumeGrace time.Duration
	// CampaignRetry is how long a replica waits after a failed campaign
	// for leadership before it tries again. Zero: 1s.
	CampaignRetry time.Duration
}

func (c *HAConfig) setDefaults() {
	if c.ResumeEvery <= 0 {
		c.ResumeEvery = 5 * time.Second
	}
	if c.ResumeGrace <= 0 {
		c.ResumeGrace = 30 * time.Second
	}
	if c.CampaignRetry <= 0 {
		c.CampaignRetry = time.Second
	}
}

// haState is what the Service knows of its place among the replicas.
type haState struct {
	leading atomic.Bool
}

// Leading reports whether this replica runs the leader's loops (Reap,
// Reconcile, ExpireApprovals) now. Without an Elector a replica leads
// while Background runs.
func (s *Service) Leading() bool { return s.ha.leading.Load() }

// claim takes the claim on operation id for a Run in this process. It
// reports false when another replica runs the operation, or when the
// store cannot say: the operation is then left for a later Resume. The
// returned context ends when the claim is lost (see Fencer), so that a
// replica cut off from the store stops before another one resumes what
// it was doing; release gives the claim back.
func (s *Service) claim(ctx context.Context, id string) (_ context.Context, release func(), ok bool) {
	c, shared := s.store.(Claimer)
	if !shared {
		return ctx, func() {}, true
	}
	var fence <-chan struct{}
	if f, ok := c.(Fencer); ok {
		var err error
		if fence, err = f.Fence(ctx); err != nil {
			s.log.Error("claim operation", "op", id, "err", err)
			return nil, nil, false
		}
	}
	give, ok, err := c.Claim(ctx, id)
	if err != nil {
		s.log.Error("claim operation", "op", id, "err", err)
		return nil, nil, false
	}
	if !ok || fence == nil {
		return ctx, give, ok
	}
	ctx, cancel := context.WithCancel(ctx)
	held := make(chan struct{})
	go func() {
		select {
		case <-fence:
			s.log.Warn("claim lost with the store's lease; stopping the operation", "op", id)
			cancel()
		case <-held:
		}
	}()
	return ctx, func() { close(held); cancel(); give() }, true
}

// take reports whether Resume should start op in this process. With a
// Claimer, an operation already running here, or one just accepted and
// not yet started by the replica that accepted it, is not taken; any other
// is claimed here, and Run claims it again, as its holder.
func (s *Service) take(ctx context.Context, op *store.Operation) bool {
	c, shared := s.store.(Claimer)
	if !shared {
		return true
	}
	if _, busy := s.running.Load(op.ID); busy {
		return false
	}
	if op.State == store.OpAccepted && s.cfg.Now().Sub(op.Updated) < s.cfg.HA.ResumeGrace {
		return false
	}
	_, ok, err := c.Claim(ctx, op.ID)
	if err != nil {
		s.log.Error("claim operation", "op", op.ID, "err", err)
	}
	return ok
}

// freshlyApproved reports whether a, approved, was decided so recently
// that the replica where the approver clicked is about to run it: another
// replica's Resume leaves it alone.
func (s *Service) freshlyApproved(a *store.Approval) bool {
	_, shared := s.store.(Claimer)
	return shared && s.cfg.Now().Sub(a.DecidedAt) < s.cfg.HA.ResumeGrace
}

// endOp fails operation id with why unless it is final already, and
// returns it; nil when it was final (another replica ended it) or could
// not be journaled. Of two replicas ending the same request, one tells.
func (s *Service) endOp(ctx context.Context, id, why string) *store.Operation {
	op, err := s.store.UpdateOperation(ctx, id, func(op *store.Operation) error {
		if op.State.Final() {
			return errUnchanged
		}
		op.State, op.Error = store.OpFailed, why
		s.ended(op)
		return nil
	})
	if err != nil {
		if !errors.Is(err, errUnchanged) {
			s.log.Error("journal failure", "op", id, "err", err)
		}
		return nil
	}
	return op
}

// journalExpiry journals op, the down operation that ends in's lease,
// under an idempotency key made of the lease, so that two leaders reaping
// the same lease, one losing its leadership as the other wins it, journal
// one operation; created is false for the other, which gets that
// operation. An earlier attempt that failed does not count: the key of a
// new attempt names the failed one.
func (s *Service) journalExpiry(ctx context.Context, op store.Operation, in *store.Instance) (store.Operation, bool, error) {
	op.Key = fmt.Sprintf("expire/%s/%s/%s/%d", in.Provider, in.Name, in.CloudID, in.LeaseExpiry.UnixNano())
	for {
		got, created, err := s.store.CreateOperation(ctx, op)
		if err != nil || created || got.State != store.OpFailed {
			return got, created, err
		}
		op.Key = "expire/after/" + got.ID
	}
}

// background runs leader, the loops one replica runs for all, and with a
// Claimer the resume loop every replica runs, until ctx ends.
func (s *Service) background(ctx context.Context, leader func(context.Context)) {
	var wg sync.WaitGroup
	if _, shared := s.store.(Claimer); shared {
		wg.Go(func() { s.resumeLoop(ctx) })
	}
	if el, ok := s.store.(Elector); ok {
		s.lead(ctx, el, leader)
	} else {
		s.ha.leading.Store(true)
		leader(ctx)
		s.ha.leading.Store(false)
	}
	wg.Wait()
}

// resumeLoop resumes, every HAConfig.ResumeEvery, the operations that no
// replica runs any more.
func (s *Service) resumeLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.HA.ResumeEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.Resume(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("resume operations", "err", err)
			}
		}
	}
}

// lead campaigns for leadership and runs work while this replica leads,
// campaigning again whenever the leadership is lost, until ctx ends. work
// gets a context that ends with the leadership.
func (s *Service) lead(ctx context.Context, el Elector, work func(context.Context)) {
	for ctx.Err() == nil {
		lost, err := el.Lead(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			s.log.Error("campaign for leadership", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(s.cfg.HA.CampaignRetry):
			}
			continue
		}
		s.log.Info("leading: running the reaper, the reconciler and approval expiry")
		lctx, cancel := context.WithCancel(ctx)
		stop := make(chan struct{})
		go func() {
			select {
			case <-lost:
				cancel()
			case <-stop:
			}
		}()
		s.ha.leading.Store(true)
		work(lctx)
		s.ha.leading.Store(false)
		close(stop)
		cancel()
		if ctx.Err() == nil {
			s.log.Warn("leadership lost; campaigning again")
		}
	}
}
