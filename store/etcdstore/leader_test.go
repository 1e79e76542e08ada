package etcdstore_test

import (
	"context"
	"testing"

	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// campaign runs s.Lead in the background; the channel gets lost once s is
// elected.
func campaign(ctx context.Context, t *testing.T, s *etcdstore.Store) <-chan (<-chan struct{}) {
	t.Helper()
	elected := make(chan (<-chan struct{}), 1)
	go func() {
		lost, err := s.Lead(ctx)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("Lead() = %v", err)
			}
			return
		}
		elected <- lost
	}()
	return elected
}

func leader(t *testing.T, s *etcdstore.Store) string {
	t.Helper()
	id, err := s.Leader(context.Background())
	if err != nil {
		t.Fatalf("Leader() = %v", err)
	}
	return id
}

// closed reports whether ch is closed, without waiting.
func closed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

func TestLead(t *testing.T) {
	endpoints := etcdtest.Start(t)

	t.Run("Resign", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		if id := leader(t, a); id != "" {
			t.Errorf("Leader() before any campaign = %q, want none", id)
		}
		ctxA, stopA := context.WithCancel(t.Context())
		lostA, err := a.Lead(ctxA)
		if err != nil {
			t.Fatalf("Lead() = %v", err)
		}
		electedB := campaign(t.Context(), t, b)
		if id := leader(t, b); id != "a" {
			t.Errorf("Leader() = %q, want a", id)
		}
		select {
		case <-electedB:
			t.Fatal("b was elected while a leads")
		default:
		}
		stopA() // a shuts down: it resigns, b leads at once
		<-lostA
		lostB := <-electedB
		if id := leader(t, a); id != "b" {
			t.Errorf("Leader() after a resigned = %q, want b", id)
		}
		if closed(lostB) {
			t.Errorf("b's leadership is lost as soon as won")
		}
	})

	t.Run("Crash", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		lostA, err := a.Lead(t.Context())
		if err != nil {
			t.Fatalf("Lead() = %v", err)
		}
		electedB := campaign(t.Context(), t, b)
		crash(t, a)
		<-lostA // a's lease cannot be renewed: a knows it no longer leads
		lostB := <-electedB
		if id := leader(t, b); id != "b" {
			t.Errorf("Leader() after a crashed = %q, want b", id)
		}
		if closed(lostB) {
			t.Errorf("b's leadership is lost as soon as won")
		}
	})

	t.Run("LostLease", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		lostA, err := a.Lead(t.Context())
		if err != nil {
			t.Fatalf("Lead() = %v", err)
		}
		mustClaim(t, a, "op-1", true) // the claim and the leadership share a's lease
		revokeLeaseOf(t, endpoints, a, "op-1")
		<-lostA
		lostB, err := b.Lead(t.Context())
		if err != nil {
			t.Fatalf("Lead() = %v", err)
		}
		if closed(lostB) {
			t.Errorf("b's leadership is lost as soon as won")
		}
		// a campaigns again, with a new lease, and waits behind b.
		electedA := campaign(t.Context(), t, a)
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		<-lostB
		<-electedA
		if id := leader(t, a); id != "a" {
			t.Errorf("Leader() after b closed = %q, want a", id)
		}
	})
}
