package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// replayed returns how many final events the replicas sent again.
func replayed(rs ...*replica) int {
	n := 0
	for _, r := range rs {
		n += len(r.rec.replays())
	}
	return n
}

// TestHAReplayOnce checks that with replicas, the final event of an
// operation that ended unreported is left to its replica for
// ResumeGrace, then shown again by one replica, which holds it until it
// is reported.
func TestHAReplayOnce(t *testing.T) {
	c := newCluster(t, etcdtest.Start(t))
	clock := newClock()
	cfg := Config{Now: clock.Now}
	a, b, d := c.add("a", cfg), c.add("b", cfg), c.add("d", cfg)
	op := mustHandle(t, a, "env-1", grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	a.svc.Run(t.Context(), op.ID)

	resume := func(r *replica) {
		t.Helper()
		if _, err := r.svc.Resume(t.Context()); err != nil {
			t.Fatalf("Resume = %v", err)
		}
	}
	resume(b)
	if n := replayed(a, b, d); n != 0 {
		t.Errorf("the final event was sent again %d times while a may still be showing it, want 0", n)
	}

	clock.Advance(time.Minute) // past ResumeGrace: a died before showing it
	resume(b)
	resume(d)
	if n := replayed(b, d); n != 1 || len(b.rec.replays()) != 1 {
		t.Fatalf("b then d resumed: b sent the final event again %d times, both %d, want 1 and 1", len(b.rec.replays()), n)
	}
	if h, _ := b.st.Holder(t.Context(), op.ID); h != "b" {
		t.Errorf("Holder(%s) while b shows it = %q, want b", op.ID, h)
	}

	if err := b.svc.Reported(t.Context(), op.ID); err != nil {
		t.Fatal(err)
	}
	if h, _ := b.st.Holder(t.Context(), op.ID); h != "" {
		t.Errorf("Holder(%s) once reported = %q, want the claim released", op.ID, h)
	}
	clock.Advance(time.Minute)
	resume(d)
	if n := replayed(b, d); n != 1 {
		t.Errorf("after Reported the final event was sent %d times in all, want 1", n)
	}
}
