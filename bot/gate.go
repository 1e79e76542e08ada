package bot

import (
	"sync"
	"time"
)

// gate lets acks go first. Every envelope holds it from the moment the
// loop takes it until it is acked; work that follows an ack (root
// messages, thread replies, starting operations) waits for a moment
// without envelopes, so that a burst of commands is journaled and acked
// before the Web API calls and store writes it causes compete with it.
type gate struct {
	maxDefer time.Duration

	mu   sync.Mutex
	n    int           // envelopes not yet acked
	idle chan struct{} // closed while n == 0
}

// maxDefer bounds how long work waits for the gate, so that a steady
// stream of commands cannot starve it.
const maxDefer = time.Second

func newGate(maxDefer time.Duration) *gate {
	g := &gate{maxDefer: maxDefer, idle: make(chan struct{})}
	close(g.idle)
	return g
}

// enter records an envelope taken from the loop.
func (g *gate) enter() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.n == 0 {
		g.idle = make(chan struct{})
	}
	g.n++
}

// leave records an envelope acked.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 {
		close(g.idle)
	}
}

// wait returns when no envelope waits for its ack, or after g.maxDefer.
func (g *gate) wait() {
	g.mu.Lock()
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return
	default:
	}
	t := time.NewTimer(g.maxDefer)
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}
