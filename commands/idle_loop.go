package commands

import (
	"context"
	"time"
)

// startIdleChecks runs CheckIdle at once and then every CheckEvery of
// the idle policies, in a goroutine of its own, until ctx ends. It
// returns a function that waits for that goroutine; with no policy on it
// starts nothing.
func (s *Service) startIdleChecks(ctx context.Context) (wait func()) {
	every, ok := s.idleEvery()
	if !ok {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			s.idlePass(ctx)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return func() { <-done }
}

func (s *Service) idlePass(ctx context.Context) {
	rep, err := s.CheckIdle(ctx)
	if err != nil && ctx.Err() == nil {
		s.log.Error("idle checks", "err", err)
	}
	if len(rep.Warned)+len(rep.Cancelled)+len(rep.Destroyed) > 0 {
		s.log.Info("idle checks", "checked", len(rep.Checked), "deferred", len(rep.Deferred), "no_metrics", len(rep.NoMetrics),
			"warned", len(rep.Warned), "cancelled", len(rep.Cancelled), "destroyed", len(rep.Destroyed))
	}
}
