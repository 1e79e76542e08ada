// Package testsync holds what tests need to watch work that other
// goroutines do: Until, which waits for a condition with one limit for the
// whole tree (Poll, when the caller handles the failure), and Buffer, a
// log sink safe for concurrent writers.
//
// It is imported by tests only. A test waits with Until for something that
// must happen; it never sleeps to show that something does not happen
// (use the fake clock the code takes, or testing/synctest).
package testsync

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// Limit is how long Until waits before it fails the test: far above what
// any condition of the tree needs, even on a loaded machine, so that a
// broken test fails instead of hanging.
const Limit = time.Minute

// Until calls cond until it reports true, and fails the test with what
// when Limit has passed or the test's context has ended first.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), Limit)
	defer cancel()
	if err := Poll(ctx, cond); err != nil {
		if errors.Is(err, context.DeadlineExceeded) && t.Context().Err() == nil {
			t.Fatalf("waiting for %s: still not the case after %v", what, Limit)
		}
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// Poll calls cond until it reports true, or returns ctx's error when ctx
// ends first; for a caller that handles the failure itself, such as a
// benchmark watching a child process. It polls every millisecond at first,
// backing off to every 20 ms.
func Poll(ctx context.Context, cond func() bool) error {
	pause := time.Millisecond
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
		pause = min(2*pause, 20*time.Millisecond)
	}
	return nil
}

// Buffer is a bytes.Buffer that a logger and the test may use at once.
// The zero value is ready to use.
type Buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p to the buffer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
