package etcdhttp

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

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
