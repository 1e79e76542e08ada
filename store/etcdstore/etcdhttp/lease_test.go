package etcdhttp

import (
	"errors"
	"io"
	"net"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

func TestSession(t *testing.T) {
	endpoints := etcdtest.Start(t)
	c := newClient(t, endpoints...)
	ctx := t.Context()
	grant := func(t *testing.T) int64 {
		t.Helper()
		lease, err := c.Grant(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		return lease.ID
	}
	closesWithin := func(t *testing.T, s *Session, d time.Duration) {
		t.Helper()
		select {
		case <-s.Done():
		case <-time.After(d):
			t.Fatalf("session not done after %v", d)
		}
	}

	t.Run("KeepsAlive", func(t *testing.T) {
		id := grant(t)
		s, err := NewSession(c, id, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Orphan()
		mustPut(t, c, "held", "v", WithLease(id))
		select {
		case <-s.Done():
			t.Fatal("session ended while renewed")
		case <-time.After(3 * time.Second):
		}
		if resp, err := c.Get(ctx, "held"); err != nil || len(resp.Kvs) != 1 {
			t.Errorf("key under the lease after 3 terms = %+v, %v, want it kept", resp, err)
		}
	})
	t.Run("Expired", func(t *testing.T) {
		id := grant(t)
		time.Sleep(2500 * time.Millisecond) // unrenewed, the lease expires
		s, err := NewSession(c, id, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		closesWithin(t, s, 2*time.Second)
		if ttl, err := c.KeepAliveOnce(ctx, id); err != nil || ttl != 0 {
			t.Errorf("KeepAliveOnce of an expired lease = %d, %v, want 0", ttl, err)
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		id := grant(t)
		s, err := NewSession(c, id, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Revoke(ctx, id); err != nil {
			t.Fatal(err)
		}
		closesWithin(t, s, 2*time.Second)
	})
	t.Run("Unreachable", func(t *testing.T) {
		// Renewals sent to a server that never answers: the session ends
		// once a whole term passed with none.
		cut := newClient(t, silentServer(t))
		s, err := NewSession(cut, grant(t), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		closesWithin(t, s, 3*time.Second)
		if d := time.Since(start); d < 900*time.Millisecond {
			t.Errorf("session ended after %v, want a whole term (1s)", d)
		}
	})
	t.Run("OrphanAndClose", func(t *testing.T) {
		s, err := NewSession(c, grant(t), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		s.Orphan()
		select {
		case <-s.Done():
		default:
			t.Fatal("session not done once Orphan returned")
		}
		other := newClient(t, endpoints...)
		lease, err := other.Grant(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		s, err = NewSession(other, lease.ID, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		_ = other.Close()
		closesWithin(t, s, time.Second)
		if _, err := other.Get(ctx, "k"); !errors.Is(err, ErrClosed) {
			t.Errorf("Get after Close = %v, want %v", err, ErrClosed)
		}
	})
}

// silentServer returns the address of a server that accepts connections,
// reads what comes and never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				_, _ = io.Copy(io.Discard, conn)
			}()
		}
	}()
	return l.Addr().String()
}
