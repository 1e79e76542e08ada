package testsync

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestUntil(t *testing.T) {
	var n atomic.Int64
	go func() {
		for range 3 {
			n.Add(1)
		}
	}()
	Until(t, "three increments", func() bool { return n.Load() == 3 })
	if got := n.Load(); got != 3 {
		t.Errorf("Until returned with n = %d, want 3", got)
	}
}

func TestPoll(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := Poll(ctx, func() bool { return false }); !errors.Is(err, context.Canceled) {
		t.Errorf("Poll with an ended context = %v, want context.Canceled", err)
	}
	calls := 0
	if err := Poll(t.Context(), func() bool { calls++; return calls == 3 }); err != nil || calls != 3 {
		t.Errorf("Poll = %v after %d calls, want nil after 3", err, calls)
	}
}

func TestBuffer(t *testing.T) {
	var b Buffer
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() { fmt.Fprintf(&b, "line %d\n", i) })
	}
	wg.Wait()
	if got := strings.Count(b.String(), "\n"); got != 50 {
		t.Errorf("Buffer holds %d lines after 50 concurrent writes, want 50", got)
	}
	if !strings.Contains(b.String(), "line 49\n") {
		t.Errorf("Buffer lost a write: %q", b.String())
	}
}
