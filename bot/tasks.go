package bot

import (
	"context"
	"sync"
)

// tasks is the bot's queued work — operations' queues (ops.go) and Home
// tab publishes (home.go) — and the base context all of it runs under.
// The work outlives the envelope or event that caused it: it ends on its
// own, or when Drain gives up and cancels the base context. After Drain,
// no task starts.
type tasks struct {
	// base is the context of every queued task. Drain cancels it when
	// its deadline passes, so that the tasks in flight stop at their next
	// Slack call and the store is closed only after they have ended. Like
	// http.Server's BaseContext, it belongs to the bot's lifetime, not to
	// a call.
	base   context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	running int
	closed  bool          // Drain has ended: no new task starts
	idle    chan struct{} // closed while running is 0
}

func newTasks() *tasks {
	base, cancel := context.WithCancel(context.Background())
	idle := make(chan struct{})
	close(idle)
	return &tasks{base: base, cancel: cancel, idle: idle}
}

// start counts a task about to start. It reports false once Drain has
// ended: the task must not run.
func (t *tasks) start() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.closed {
		return false
	}
	if t.running == 0 {
		t.idle = make(chan struct{})
	}
	t.running++
	return true
}

// done counts a task that start counted as ended.
func (t *tasks) done() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.running--
	if t.running == 0 {
		close(t.idle)
	}
}

// stopping reports whether Drain gave up on the queued work: a task not
// started yet is dropped.
func (t *tasks) stopping() bool { return t.base.Err() != nil }

// drain waits until no task runs, or ctx ends; then no task starts any
// more. When ctx ended first, it cancels the base context, waits for the
// tasks in flight to end, and returns ctx's error.
func (t *tasks) drain(ctx context.Context) error {
	for {
		t.mu.Lock()
		idle := t.idle
		t.mu.Unlock()
		select {
		case <-idle:
			t.mu.Lock()
			if t.running > 0 { // a task started in between
				t.mu.Unlock()
				continue
			}
			t.closed = true
			t.mu.Unlock()
			return nil
		case <-ctx.Done():
			t.mu.Lock()
			t.closed = true
			idle = t.idle
			t.mu.Unlock()
			t.cancel()
			<-idle
			return ctx.Err()
		}
	}
}
