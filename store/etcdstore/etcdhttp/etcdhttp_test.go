package etcdhttp

import (
	"context"
	"errors"
	"fmt"
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

// newClient returns a client of endpoints, closed when the test ends.
func newClient(t *testing.T, endpoints ...string) *Client {
	t.Helper()
	c, err := New(Config{Endpoints: endpoints, DialTimeout: time.Second})
	if err != nil {
		t.Fatalf("New(%q) = %v", endpoints, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefixes hands each subtest keys of its own.
var prefixes atomic.Int64

func newPrefix() string { return fmt.Sprintf("/t%d/", prefixes.Add(1)) }

func mustPut(t *testing.T, c *Client, key, val string, opts ...OpOption) *PutResponse {
	t.Helper()
	resp, err := c.Put(t.Context(), key, val, opts...)
	if err != nil {
		t.Fatalf("Put(%q) = %v", key, err)
	}
	return resp
}

func keys(kvs []*KeyValue) string {
	var out []string
	for _, kv := range kvs {
		out = append(out, string(kv.Key))
	}
	return strings.Join(out, ",")
}

func TestTxn(t *testing.T) {
	c := newClient(t, etcdtest.Start(t)...)
	ctx := t.Context()

	t.Run("CreateIfAbsent", func(t *testing.T) {
		k := newPrefix() + "k"
		create := func(val string) *TxnResponse {
			t.Helper()
			resp, err := c.Txn(ctx).If(Compare(CreateRevision(k), "=", 0)).
				Then(OpPut(k, val)).Else(OpGet(k)).Commit()
			if err != nil {
				t.Fatalf("Txn = %v", err)
			}
			return resp
		}
		first := create("one")
		if !first.Succeeded || first.Responses[0].ResponsePut == nil || first.Header.Revision == 0 {
			t.Fatalf("first create = %+v, want succeeded with a put", first)
		}
		second := create("two")
		kvs := second.Responses[0].GetResponseRange().Kvs
		if second.Succeeded || len(kvs) != 1 || string(kvs[0].Value) != "one" {
			t.Fatalf("second create = %+v, want failed, reading one", second)
		}
		if kvs[0].CreateRevision != first.Header.Revision || kvs[0].ModRevision != first.Header.Revision || kvs[0].Version != 1 {
			t.Errorf("key = %+v, want created and changed at %d", kvs[0], first.Header.Revision)
		}
	})
	t.Run("ModRevision", func(t *testing.T) {
		k := newPrefix() + "k"
		rev := mustPut(t, c, k, "a").Header.Revision
		resp, err := c.Txn(ctx).If(Compare(ModRevision(k), "=", rev-1)).Then(OpPut(k, "b")).Commit()
		if err != nil || resp.Succeeded {
			t.Fatalf("Txn on a stale revision = %+v, %v, want not succeeded", resp, err)
		}
		resp, err = c.Txn(ctx).If(Compare(ModRevision(k), "=", rev)).Then(OpDelete(k)).Commit()
		if err != nil || !resp.Succeeded || resp.Responses[0].ResponseDelete.Deleted != 1 {
			t.Fatalf("Txn on the current revision = %+v, %v, want one key deleted", resp, err)
		}
	})
	t.Run("LeaseValue", func(t *testing.T) {
		k := newPrefix() + "k"
		lease, err := c.Grant(ctx, 30)
		if err != nil || lease.ID == 0 || lease.TTL != 30 {
			t.Fatalf("Grant(30) = %+v, %v", lease, err)
		}
		mustPut(t, c, k, "v", WithLease(lease.ID))
		got, err := c.Get(ctx, k)
		if err != nil || len(got.Kvs) != 1 || got.Kvs[0].Lease != lease.ID {
			t.Fatalf("Get = %+v, %v, want the key under lease %d", got, err, lease.ID)
		}
		resp, err := c.Txn(ctx).If(Compare(LeaseValue(k), "=", lease.ID+1)).Then(OpDelete(k)).Commit()
		if err != nil || resp.Succeeded {
			t.Fatalf("Txn on another lease = %+v, %v, want not succeeded", resp, err)
		}
		resp, err = c.Txn(ctx).If(Compare(LeaseValue(k), "=", lease.ID)).Then(OpDelete(k)).Commit()
		if err != nil || !resp.Succeeded {
			t.Fatalf("Txn on the key's lease = %+v, %v, want succeeded", resp, err)
		}
		if err := c.Revoke(ctx, lease.ID); err != nil {
			t.Fatalf("Revoke = %v", err)
		}
	})
	t.Run("PrefixLess", func(t *testing.T) {
		dir := newPrefix()
		rev := mustPut(t, c, dir+"a", "1").Header.Revision
		cmp := Compare(ModRevision(dir), "<", rev+1).WithPrefix()
		resp, err := c.Txn(ctx).If(cmp).Then(OpPut(dir+"b", "2")).Commit()
		if err != nil || !resp.Succeeded {
			t.Fatalf("Txn with no key changed since = %+v, %v, want succeeded", resp, err)
		}
		resp, err = c.Txn(ctx).If(cmp).Then(OpPut(dir+"c", "3")).Commit()
		if err != nil || resp.Succeeded {
			t.Fatalf("Txn with a key changed since = %+v, %v, want not succeeded", resp, err)
		}
	})
	t.Run("ReadsOnly", func(t *testing.T) {
		dir := newPrefix()
		mustPut(t, c, dir+"a", "1")
		resp, err := c.Txn(ctx).Then(OpGet(dir+"a"), OpGet(dir+"missing"), OpGet(dir, WithPrefix(), WithCountOnly())).Commit()
		if err != nil || !resp.Succeeded || len(resp.Responses) != 3 {
			t.Fatalf("Txn = %+v, %v", resp, err)
		}
		if kvs := resp.Responses[0].GetResponseRange().Kvs; len(kvs) != 1 || string(kvs[0].Value) != "1" {
			t.Errorf("first read = %+v, want 1", kvs)
		}
		if r := resp.Responses[1].GetResponseRange(); len(r.Kvs) != 0 || r.Count != 0 {
			t.Errorf("read of a missing key = %+v, want nothing", r)
		}
		if r := resp.Responses[2].GetResponseRange(); len(r.Kvs) != 0 || r.Count != 1 {
			t.Errorf("count = %+v, want 1 and no keys", r)
		}
	})
	t.Run("BadRelation", func(t *testing.T) {
		if _, err := c.Txn(ctx).If(Compare(ModRevision("k"), "<=", 1)).Commit(); !errors.Is(err, errCompare) {
			t.Errorf("Txn with <= = %v, want %v", err, errCompare)
		}
	})
}

func TestRange(t *testing.T) {
	c := newClient(t, etcdtest.Start(t)...)
	ctx := t.Context()
	dir := newPrefix()
	var revs []int64
	for i := 1; i <= 5; i++ {
		revs = append(revs, mustPut(t, c, fmt.Sprintf("%s%d", dir, i), fmt.Sprint(i)).Header.Revision)
	}
	mustPut(t, c, dir+"3", "three")
	mustPut(t, c, newPrefix()+"other", "x")

	for _, tt := range []struct {
		name  string
		key   string
		opts  []OpOption
		want  string
		count int64
		more  bool
		value string // of the first key, checked when check is set
		check bool
	}{
		{name: "key", key: dir + "3", want: dir + "3", count: 1, value: "three", check: true},
		{name: "prefix", key: dir, opts: []OpOption{WithPrefix()}, want: dir + "1," + dir + "2," + dir + "3," + dir + "4," + dir + "5", count: 5},
		{name: "range", key: dir + "2", opts: []OpOption{WithRange(dir + "4")}, want: dir + "2," + dir + "3", count: 2},
		{name: "count only", key: dir, opts: []OpOption{WithPrefix(), WithCountOnly()}, count: 5},
		{name: "limit", key: dir, opts: []OpOption{WithPrefix(), WithLimit(2)}, want: dir + "1," + dir + "2", count: 5, more: true},
		{name: "sort descend", key: dir, opts: []OpOption{WithPrefix(), WithSort(SortByKey, SortDescend), WithLimit(2)}, want: dir + "5," + dir + "4", count: 5, more: true},
		{name: "first create", key: dir, opts: WithFirstCreate(), want: dir + "1", count: 5, more: true},
		{name: "keys only", key: dir + "3", opts: []OpOption{WithKeysOnly()}, want: dir + "3", count: 1, value: "", check: true},
		{name: "at revision", key: dir + "3", opts: []OpOption{WithRev(revs[2])}, want: dir + "3", count: 1, value: "3", check: true},
		{name: "before creation", key: dir + "3", opts: []OpOption{WithRev(revs[1])}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := c.Get(ctx, tt.key, tt.opts...)
			if err != nil {
				t.Fatalf("Get = %v", err)
			}
			if got := keys(resp.Kvs); got != tt.want || resp.Count != tt.count || resp.More != tt.more {
				t.Errorf("Get = %s (count %d, more %v), want %s (count %d, more %v)", got, resp.Count, resp.More, tt.want, tt.count, tt.more)
			}
			if tt.check && len(resp.Kvs) > 0 && string(resp.Kvs[0].Value) != tt.value {
				t.Errorf("first value = %q, want %q", resp.Kvs[0].Value, tt.value)
			}
		})
	}
	t.Run("every key", func(t *testing.T) {
		resp, err := c.Get(ctx, "", WithPrefix(), WithCountOnly())
		if err != nil || resp.Count != 6 {
			t.Errorf("Get(every key) = %+v, %v, want 6 keys", resp, err)
		}
	})
	t.Run("delete range", func(t *testing.T) {
		resp, err := c.Delete(ctx, dir+"4", WithRange(dir+"6"))
		if err != nil || resp.Deleted != 2 {
			t.Fatalf("Delete(4..5) = %+v, %v, want 2 deleted", resp, err)
		}
		if got, err := c.Get(ctx, dir, WithPrefix(), WithKeysOnly()); err != nil || keys(got.Kvs) != dir+"1,"+dir+"2,"+dir+"3" {
			t.Errorf("keys left = %v, %v", got, err)
		}
	})
}

func TestCompacted(t *testing.T) {
	c := newClient(t, etcdtest.Start(t)...)
	ctx := t.Context()
	old := mustPut(t, c, "k", "1").Header.Revision
	now := mustPut(t, c, "k", "2").Header.Revision
	var resp struct{}
	if err := c.call(ctx, "/v3/kv/compaction", &struct {
		Revision num `json:"revision"`
	}{num(now)}, &resp); err != nil {
		t.Fatalf("compact = %v", err)
	}
	_, err := c.Get(ctx, "k", WithRev(old))
	if !errors.Is(err, ErrCompacted) {
		t.Fatalf("Get at a compacted revision = %v, want %v", err, ErrCompacted)
	}
	if !strings.Contains(err.Error(), "mvcc: required revision has been compacted") {
		t.Errorf("error %q lacks the server's message", err)
	}
	_, err = c.Txn(ctx).Then(OpGet("k", WithRev(old))).Commit()
	if !errors.Is(err, ErrCompacted) {
		t.Errorf("Txn reading a compacted revision = %v, want %v", err, ErrCompacted)
	}
	if _, err := c.Get(ctx, "k", WithRev(now)); err != nil {
		t.Errorf("Get at the compaction's revision = %v", err)
	}
}

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
