package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
)

func TestKeepCommand(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	e.up(caller(alice), "box")
	e.clock.Advance(time.Hour)
	e.checkIdle()
	r := e.handle("k1", caller(alice), grammar.Command{Verb: grammar.VerbKeep, Name: "box", KeepLease: true})
	wantContains(t, "keep reply", r.Text, "`box` is kept", "no idle checks until")
	if got := e.instance("box").Idle; !got.WarnedAt.IsZero() || !got.KeepUntil.Equal(e.instance("box").LeaseExpiry) {
		t.Errorf("after keep lease: %+v, want no warning and checks off until the lease ends", got)
	}
	if got := e.runIdle("box", 3*time.Hour); len(got) != 0 {
		t.Errorf("passes after keep = %v, want none", got)
	}
}

// TestKeepUnknownOrNotYours checks that a typed keep of a name that is not
// a running instance, or of someone else's, says so plainly.
func TestKeepUnknownOrNotYours(t *testing.T) {
	t.Parallel()
	e := newIdleEnv(t)
	e.up(caller(alice), "box")
	ue := e.refused(caller(alice), grammar.Command{Verb: grammar.VerbKeep, Name: "nothere"})
	wantContains(t, "unknown name", ue.Msg, "there is no running instance named `nothere`")
	ue = e.refused(caller(bob), grammar.Command{Verb: grammar.VerbKeep, Name: "box"})
	wantContains(t, "someone else's", ue.Msg, "only its owner or an admin can keep it")
}
