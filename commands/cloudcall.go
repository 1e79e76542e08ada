package commands

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// maxRetryWait caps the wait between two tries of a cloud call.
const maxRetryWait = 30 * time.Second

// cloudCall is a cloud call whose outcome may be unknown, and how to find
// out whether it happened.
type cloudCall struct {
	// action is what is asked, for people: "create the VM".
	action string
	// do makes the call.
	do func(ctx context.Context) error
	// happened looks whether an earlier try was carried out after all
	// (the VM by its spuff-op label, the snapshot by its name). Nil: do
	// is idempotent and is simply tried again.
	happened func(ctx context.Context) (bool, error)
	// since is when the call was first journaled, by a run that a
	// restart may have ended: the deadline counts from it. Zero: now.
	since time.Time
}

// persist runs c until it succeeds or the cloud refuses it. An unknown
// outcome (providers.OutcomeUnknown, or a name conflict after an earlier
// try) is not a failure: it looks whether the call happened and, if not,
// tries again with backoff and jitter until CreateTimeout after c.since,
// saying once in op's thread that the cloud is slow. It then fails with a
// *CloudError holding the cloud's last answer. A call resumed after its
// deadline is made once, not retried. It returns ctx's error at shutdown.
func (s *Service) persist(ctx context.Context, op *store.Operation, c cloudCall) error {
	if past, ok := s.pastDeadline(c.since); ok {
		s.log.Info("cloud call resumed after its deadline; trying once", "op", op.ID, "provider", op.Provider,
			"instance", op.Instance, "late", past.String())
		err := c.do(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		if !errors.Is(err, providers.ErrConflict) && !providers.OutcomeUnknown(err) {
			return err // the cloud said no
		}
		return &CloudError{Provider: op.Provider, Action: c.action, For: s.cfg.CreateTimeout, Last: err}
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.CreateTimeout-s.elapsed(c.since))
	defer cancel()
	told := false
	var last error
	for attempt := 0; ; attempt++ {
		err := c.do(cctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return err // shutdown: the operation is resumed on the next start
		}
		conflict := errors.Is(err, providers.ErrConflict)
		if !conflict && !providers.OutcomeUnknown(err) && cctx.Err() == nil {
			return err // the cloud said no
		}
		last = err
		s.log.Warn("cloud call outcome unknown; looking it up", "op", op.ID, "provider", op.Provider,
			"instance", op.Instance, "attempt", attempt+1, "err", err)
		if c.happened != nil && cctx.Err() == nil {
			ok, ferr := c.happened(cctx)
			if ok {
				s.log.Info("cloud call had happened; adopting its result", "op", op.ID, "provider", op.Provider, "instance", op.Instance)
				return nil
			}
			if conflict && ferr == nil {
				return err // the name is someone else's
			}
		} else if conflict {
			return err
		}
		if cctx.Err() != nil {
			break
		}
		if !told {
			told = true
			s.emit(ctx, EventRetrying, op, nil, func(ev *Event) {
				ev.Detail = fmt.Sprintf("%s is slow to answer, still trying.", Label(op.Provider))
			})
		}
		if !sleepCtx(cctx, s.retryWait(attempt, err)) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			break
		}
	}
	return &CloudError{Provider: op.Provider, Action: c.action, For: s.cfg.CreateTimeout, Last: last}
}

// elapsed is how long ago since was, zero when since is zero.
func (s *Service) elapsed(since time.Time) time.Duration {
	if since.IsZero() {
		return 0
	}
	return max(s.cfg.Now().Sub(since), 0)
}

// pastDeadline reports whether the CreateTimeout of a call first
// journaled at since has run out, and by how much.
func (s *Service) pastDeadline(since time.Time) (time.Duration, bool) {
	late := s.elapsed(since) - s.cfg.CreateTimeout
	return late, !since.IsZero() && late >= 0
}

// retryWait is how long to wait before try attempt+2: RetryBackoff
// doubled per try, capped at maxRetryWait, the upper half jittered so that
// replicas do not retry in step; never less than a rate limit asks.
func (s *Service) retryWait(attempt int, err error) time.Duration {
	d := s.cfg.RetryBackoff << min(attempt, 16)
	if d <= 0 || d > maxRetryWait {
		d = maxRetryWait
	}
	d = d/2 + rand.N(d/2+1)
	if ra, limited := providers.RetryAfter(err); limited && ra > d {
		d = ra
	}
	return d
}

// sleepCtx waits for d and reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// destroyAtCloud destroys cloud id for op, as persistently as a create:
// DestroyInstance is idempotent, so an unknown outcome is simply tried
// again.
func (s *Service) destroyAtCloud(ctx context.Context, p providers.Provider, op *store.Operation, id string) error {
	return s.persist(ctx, op, cloudCall{action: "destroy the VM", do: func(ctx context.Context) error {
		return p.DestroyInstance(ctx, id)
	}})
}
