package etcdhttp

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

func TestElection(t *testing.T) {
	c := newClient(t, etcdtest.Start(t)...)
	ctx := t.Context()
	session := func(t *testing.T) *Session {
		t.Helper()
		lease, err := c.Grant(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		s, err := NewSession(c, lease.ID, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Orphan()
			_ = c.Revoke(context.Background(), lease.ID)
		})
		return s
	}
	leader := func(t *testing.T, name string) string {
		t.Helper()
		kv, err := c.Leader(ctx, name)
		if err != nil {
			t.Fatalf("Leader = %v", err)
		}
		if kv == nil {
			return ""
		}
		return string(kv.Value)
	}

	t.Run("BlocksUntilResigned", func(t *testing.T) {
		name := newPrefix() + "election"
		if got := leader(t, name); got != "" {
			t.Errorf("leader before any campaign = %q, want none", got)
		}
		a, b := NewElection(session(t), name), NewElection(session(t), name)
		if err := a.Campaign(ctx, "a"); err != nil {
			t.Fatalf("a's campaign = %v", err)
		}
		won := make(chan error, 1)
		go func() { won <- b.Campaign(ctx, "b") }()
		select {
		case err := <-won:
			t.Fatalf("b's campaign ended (%v) while a leads", err)
		case <-time.After(300 * time.Millisecond):
		}
		if got := leader(t, name); got != "a" {
			t.Errorf("leader = %q, want a", got)
		}
		if err := a.Resign(ctx); err != nil {
			t.Fatalf("a resigns: %v", err)
		}
		select {
		case err := <-won:
			if err != nil {
				t.Fatalf("b's campaign = %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("b not elected 5s after a resigned")
		}
		if got := leader(t, name); got != "b" {
			t.Errorf("leader = %q, want b", got)
		}
	})
	t.Run("CancelledCampaign", func(t *testing.T) {
		name := newPrefix() + "election"
		a, b := NewElection(session(t), name), NewElection(session(t), name)
		if err := a.Campaign(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		cctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := b.Campaign(cctx, "b")
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("campaign given up = %v, want %v", err, context.DeadlineExceeded)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("campaign returned %v after its context ended", d)
		}
		// etcd withdraws the candidate's key.
		deadline := time.Now().Add(5 * time.Second)
		for {
			resp, err := c.Get(ctx, name+"/", WithPrefix(), WithCountOnly())
			if err == nil && resp.Count == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("candidates after a campaign was given up = %+v, %v, want 1", resp, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := b.Resign(ctx); err != nil {
			t.Errorf("Resign after a lost campaign = %v, want nil", err)
		}
	})
}
