package bot

import (
	"context"
	"sync"
)

// opState is what the bot keeps in memory about one operation: where its
// thread is, the command's response_url, and a queue that shows its
// events one at a time, in order.
//
// Only the thread is also in the store (AttachThread); after a restart
// the rest starts empty: a resumed operation finds its thread in the
// events (or in the channel, see findRoot). The approval cards are the
// approvalCards' (approvals.go), forgotten with the operation.
type opState struct {
	id string

	mu      sync.Mutex
	pending []func() // tasks not yet run
	running bool     // a goroutine is draining pending
	final   bool     // the operation's last event was shown
	// fresh reports an operation this process accepted and has posted no
	// root for yet: no earlier process can have posted one (openThread).
	fresh bool

	channel string // where the thread is
	root    string // ts of the thread's root message; "" until there is one
	// ownRoot reports whether the root is this operation's; a down
	// operation borrows the thread of the instance's up.
	ownRoot  bool
	lastRoot string // the root as last posted, to skip updates that change nothing

	responseURL string
	// noChannel reports that the bot cannot post in the operation's
	// channel: updates go to responseURL, at most maxResponseUses times.
	noChannel bool
	urlUses   int
}

// maxResponseUses is how many times Slack accepts posts to one
// response_url.
const maxResponseUses = 5

// state returns the state of operation id, creating it.
func (b *Bot) state(id string) *opState {
	b.mu.Lock()
	defer b.mu.Unlock()
	st := b.ops[id]
	if st == nil {
		st = &opState{id: id}
		b.ops[id] = st
	}
	return st
}

// enqueue runs task after every task queued before it for the same
// operation. It never blocks: a goroutine drains the queue. After Drain,
// the task is dropped.
func (b *Bot) enqueue(st *opState, task func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.running {
		if !b.tasks.start() {
			b.log.Debug("shutting down; event not shown", "op", st.id)
			return
		}
		st.running = true
		go b.drain(st)
	}
	st.pending = append(st.pending, task)
}

// Drain waits until every queued task (root messages, thread replies,
// starting operations, Home tabs) has ended, or ctx ends. Call it at
// shutdown once nothing queues more: after Run has returned and
// Service.Shutdown has stopped the operations, so that what they reported
// reaches Slack and every thread opened is journaled before the store
// closes.
//
// When ctx ends first, Drain cancels the bot's base context, which every
// queued task runs under: the tasks in flight stop at their next call and
// those not started are dropped. It waits for them to end and returns
// ctx's error. Either way, once Drain has returned no task of the bot runs
// or starts, and the store can be closed.
func (b *Bot) Drain(ctx context.Context) error {
	return b.tasks.drain(ctx)
}

// drain runs st's tasks until none is left, then forgets a finished
// operation. Once Drain has given up, the tasks left are dropped.
func (b *Bot) drain(st *opState) {
	defer b.tasks.done()
	for {
		st.mu.Lock()
		if n := len(st.pending); n == 0 || b.tasks.stopping() {
			st.pending, st.running = nil, false
			final := st.final
			st.mu.Unlock()
			if n > 0 {
				b.log.Warn("shutting down; events not shown", "op", st.id, "count", n)
			}
			if final {
				b.forget(st)
			}
			return
		}
		task := st.pending[0]
		st.pending = st.pending[1:]
		st.mu.Unlock()
		b.acks.settle()
		task()
	}
}

// forget drops a finished operation's state unless more work came in.
func (b *Bot) forget(st *opState) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.running || len(st.pending) > 0 || b.ops[st.id] != st {
		return
	}
	delete(b.ops, st.id)
	b.approvals.forget(st.id)
}

// thread returns where st's thread is ("" when it has none yet).
func (st *opState) thread() (channel, root string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.channel, st.root
}
