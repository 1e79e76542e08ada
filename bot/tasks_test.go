package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
)

func TestDrainCancelsQueuedWorkAtItsDeadline(t *testing.T) {
	b := New(Config{}, nil)
	st := b.state("op1")
	started := make(chan struct{})
	var cancelled, queuedRan, lateRan atomic.Bool
	b.enqueue(st, func() {
		close(started)
		<-b.tasks.base.Done() // a Slack call that only ends with its context
		cancelled.Store(true)
	})
	b.enqueue(st, func() { queuedRan.Store(true) })
	<-started

	deadline, cancel := context.WithCancel(t.Context())
	cancel() // Drain's deadline has passed
	if err := b.Drain(deadline); !errors.Is(err, context.Canceled) {
		t.Fatalf("Drain = %v, want context.Canceled", err)
	}
	if !cancelled.Load() {
		t.Errorf("Drain returned before the task in flight ended")
	}
	if queuedRan.Load() {
		t.Errorf("a task queued behind it ran after Drain gave up")
	}

	late := b.state("op2")
	b.enqueue(late, func() { lateRan.Store(true) })
	late.mu.Lock()
	running, pending := late.running, len(late.pending)
	late.mu.Unlock()
	if running || pending > 0 || lateRan.Load() {
		t.Errorf("after Drain a task was queued (running %v, pending %d)", running, pending)
	}
	if err := b.Drain(t.Context()); err != nil {
		t.Errorf("a second Drain = %v, want nil: nothing runs", err)
	}
}

func TestDrainWaitsForQueuedWork(t *testing.T) {
	b := New(Config{}, nil)
	release := make(chan struct{})
	var ran atomic.Int64
	for _, id := range []string{"op1", "op2"} {
		st := b.state(id)
		b.enqueue(st, func() { <-release; ran.Add(1) })
		b.enqueue(st, func() { ran.Add(1) })
	}
	close(release)
	if err := b.Drain(t.Context()); err != nil {
		t.Fatalf("Drain = %v, want nil", err)
	}
	if got := ran.Load(); got != 4 {
		t.Errorf("Drain returned after %d of 4 tasks", got)
	}
	if b.tasks.stopping() {
		t.Errorf("a Drain that finished in time cancelled the base context")
	}
}
