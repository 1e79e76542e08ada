package testsync

import (
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
