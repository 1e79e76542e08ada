package commands

import (
	"context"
	"fmt"
	"sync"
)

// stopState lets Shutdown stop the operations this process runs. Its zero
// value is ready: nothing stopped.
type stopState struct {
	mu      sync.Mutex
	stopped bool
	halt    context.Context // ends at Shutdown; nil until first needed
	cancel  context.CancelFunc
}

// enter counts a new operation in wg and returns the context that ends at
// Shutdown; ok is false once Shutdown was called, and nothing is counted.
func (st *stopState) enter(wg *sync.WaitGroup) (halt context.Context, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.stopped {
		return nil, false
	}
	if st.halt == nil {
		st.halt, st.cancel = context.WithCancel(context.Background())
	}
	wg.Add(1) // under mu: never after Shutdown's Wait has begun
	return st.halt, true
}

func (st *stopState) stop() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.stopped = true
	if st.cancel != nil {
		st.cancel()
	}
}

// Shutdown stops the operations this process runs, for a graceful exit:
// Start starts none any more, and those running stop at their next step,
// left journaled for Resume on the next start, without being marked
// failed. It waits for them to return until ctx ends, and then returns an
// error wrapping ctx's.
func (s *Service) Shutdown(ctx context.Context) error {
	s.stop.stop()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("shutdown: operations still running: %w", ctx.Err())
	}
}
