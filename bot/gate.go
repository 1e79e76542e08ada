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

	mu    sync.Mutex
	n     int           // envelopes not yet acked
	idle  chan struct{} // closed while n == 0
	left  time.Time     // when n last became 0
	burst time.Time     // when n last became 2 or more
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
	if g.n >= 2 {
		g.burst = time.Now()
	}
}

// leave records an envelope acked.
func (g *gate) leave() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n--
	if g.n == 0 {
		close(g.idle)
		g.left = time.Now()
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

// quiet is how long the gate must have been open after a burst before
// settle lets work through: envelopes of a burst arrive one after another,
// and the gate opens for a moment whenever the bot has acked all it has
// read so far. Work let through then (root messages, thread replies,
// operations and their store writes) would compete with the rest of the
// burst. Commands that come one at a time do not wait for it.
const quiet = 5 * time.Millisecond

// settle returns once no envelope waits for its ack — for quiet already
// when the last envelopes came in a burst (two or more waiting at once) —
// or after g.maxDefer.
func (g *gate) settle() {
	deadline := time.Now().Add(g.maxDefer)
	for {
		g.mu.Lock()
		idle, busy, open := g.idle, g.n > 0, time.Since(g.left)
		calm := !g.burst.After(g.left.Add(-quiet)) // no burst just before it opened
		g.mu.Unlock()
		left := time.Until(deadline)
		if left <= 0 || (!busy && (calm || open >= quiet)) {
			return
		}
		if !busy {
			idle = nil // open already: wait out the rest of quiet
		}
		d := left
		if !busy {
			d = min(left, quiet-open)
		}
		t := time.NewTimer(d)
		select {
		case <-idle:
		case <-t.C:
		}
		t.Stop()
	}
}
