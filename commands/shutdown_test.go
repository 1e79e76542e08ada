package commands

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store"
)

// TestShutdownLeavesOperationsJournaled stops a Service while an up waits
// for its VM: the up stops without being marked failed, an operation
// started after Shutdown does not run, and the next process finishes both
// with one VM each.
func TestShutdownLeavesOperationsJournaled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetReadyAfter(time.Hour) // of the fake clock: never, unless it moves
	waiting := e.handle("k1", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "waiting"}).Op
	e.svc.Start(e.ctx, waiting.ID)
	testsync.Until(t, "the up waiting for its VM", func() bool { return e.op(waiting.ID).Step == stepCreated })

	ctx, cancel := context.WithTimeout(e.ctx, 30*time.Second)
	defer cancel()
	if err := e.svc.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown() = %v, want nil once the up has stopped", err)
	}
	if op := e.op(waiting.ID); op.State != store.OpRunning || op.Step != stepCreated || op.Error != "" {
		t.Errorf("after Shutdown, the waiting up is %s at step %q (%q); want running at %q", op.State, op.Step, op.Error, stepCreated)
	}
	if kinds := e.rec.kinds(waiting.ID); slices.Contains(kinds, EventFailed) {
		t.Errorf("events of the interrupted up = %v, want no %s", kinds, EventFailed)
	}

	late := e.handle("k2", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "late"}).Op
	e.svc.Start(e.ctx, late.ID)
	e.svc.Wait()
	if op := e.op(late.ID); op.State != store.OpAccepted {
		t.Errorf("an up started after Shutdown is %s, want %s: it must not run", op.State, store.OpAccepted)
	}

	e.clock.Advance(2 * time.Hour) // the waiting VM has booted
	e.cloud.SetReadyAfter(0)
	e.resume(2)
	for _, id := range []string{waiting.ID, late.ID} {
		if op := e.op(id); op.State != store.OpDone {
			t.Errorf("after the restart, operation %s (%s) is %s (%s), want done", id, op.Instance, op.State, op.Error)
		}
	}
	if n := e.cloudCount(); n != 2 {
		t.Errorf("%d VMs at the cloud, want 2", n)
	}
}

// TestShutdownWaitsBounded returns ctx's error when an operation does not
// stop in time, instead of waiting for ever.
func TestShutdownWaitsBounded(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.svc.wg.Add(1) // an operation that never returns
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Millisecond)
	defer cancel()
	if err := e.svc.Shutdown(ctx); err == nil {
		t.Errorf("Shutdown() with an operation that never stops = nil, want an error")
	}
	e.svc.wg.Done()
}
