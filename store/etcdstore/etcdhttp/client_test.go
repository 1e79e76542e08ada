package etcdhttp

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

func TestFailover(t *testing.T) {
	live := etcdtest.Start(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	_ = l.Close()
	ctx := t.Context()

	t.Run("DeadFirst", func(t *testing.T) {
		c := newClient(t, append([]string{dead}, live...)...)
		mustPut(t, c, "k", "v")
		if resp, err := c.Get(ctx, "k"); err != nil || len(resp.Kvs) != 1 {
			t.Fatalf("Get through the live endpoint = %+v, %v", resp, err)
		}
		if got := c.endpoints[c.current.Load()]; got != live[0] {
			t.Errorf("current endpoint = %s, want the live %s", got, live[0])
		}
	})
	t.Run("NoneReachable", func(t *testing.T) {
		c := newClient(t, dead)
		cctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		_, err := c.Get(cctx, "k")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "connection refused") {
			t.Errorf("Get with no endpoint reachable = %v, want the deadline and the last refusal", err)
		}
	})
	t.Run("SentNotRepeated", func(t *testing.T) {
		// The first endpoint takes the request and drops the connection:
		// the transaction may have been applied, so it is not sent again.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		go func() {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			_, _ = conn.Read(buf)
			_ = conn.Close()
		}()
		c := newClient(t, append([]string{l.Addr().String()}, live...)...)
		k := newPrefix() + "once"
		if _, err := c.Txn(ctx).Then(OpPut(k, "v")).Commit(); err == nil {
			t.Fatal("Txn through a dropped connection = nil error, want one")
		}
		check := newClient(t, live...)
		if resp, err := check.Get(ctx, k); err != nil || len(resp.Kvs) != 0 {
			t.Errorf("key after the dropped Txn = %+v, %v, want none: the Txn was sent again", resp, err)
		}
		if got := c.endpoints[c.current.Load()]; got != live[0] {
			t.Errorf("current endpoint after the dropped Txn = %s, want the next one, %s", got, live[0])
		}
	})
	t.Run("Unavailable", func(t *testing.T) {
		// A member cut off from its quorum answers "unavailable": a read
		// goes on to the next member, a transaction fails, and the next
		// request starts at the next member.
		var hits atomic.Int64
		cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"code":14,"message":"etcdserver: no leader"}`)
		}))
		defer cut.Close()
		cutAddr := strings.TrimPrefix(cut.URL, "http://")
		c := newClient(t, append([]string{cutAddr}, live...)...)
		if _, err := c.Get(ctx, "k"); err != nil || hits.Load() != 1 {
			t.Fatalf("Get = %v after %d requests to the cut member, want an answer from the next one", err, hits.Load())
		}
		c.current.Store(0)
		k := newPrefix() + "once"
		_, err := c.Txn(ctx).Then(OpPut(k, "v")).Commit()
		var refused *Error
		if !errors.As(err, &refused) || refused.Code != codeUnavailable || !strings.Contains(err.Error(), "etcdserver: no leader") {
			t.Fatalf("Txn through the cut member = %v, want its refusal", err)
		}
		if resp, err := c.Txn(ctx).Then(OpPut(k, "v")).Commit(); err != nil || !resp.Succeeded || hits.Load() != 2 {
			t.Errorf("next Txn = %+v, %v (%d requests to the cut member), want it sent to the next member", resp, err, hits.Load())
		}
	})
}
