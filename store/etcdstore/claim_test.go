package etcdstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// testTTL is the lease of the replicas in these tests, the shortest etcd
// grants.
const testTTL = time.Second

// replicas opens one store per name on a shared prefix, as replicas of one
// deployment; each is named by its ID.
func replicas(t *testing.T, endpoints []string, names ...string) []*etcdstore.Store {
	t.Helper()
	prefix := newPrefix()
	var out []*etcdstore.Store
	for _, n := range names {
		out = append(out, openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: prefix, ID: n, LeaseTTL: testTTL}))
	}
	return out
}

// crash cuts s off from etcd as a dead process is: its connection closes
// and its lease is left to expire, unrevoked.
func crash(t *testing.T, s *etcdstore.Store) {
	t.Helper()
	if err := s.Client().Close(); err != nil {
		t.Logf("close client: %v", err)
	}
}

func mustClaim(t *testing.T, s *etcdstore.Store, opID string, want bool) func() {
	t.Helper()
	release, ok, err := s.Claim(context.Background(), opID)
	if err != nil || ok != want {
		t.Fatalf("Claim(%q) = %v, %v, want %v, nil", opID, ok, err, want)
	}
	return release
}

func holder(t *testing.T, s *etcdstore.Store, opID string) string {
	t.Helper()
	h, err := s.Holder(context.Background(), opID)
	if err != nil {
		t.Fatalf("Holder(%q) = %v", opID, err)
	}
	return h
}

func TestClaim(t *testing.T) {
	endpoints := etcdtest.Start(t)

	t.Run("Exclusive", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		release := mustClaim(t, a, "op-1", true)
		mustClaim(t, b, "op-1", false)
		mustClaim(t, a, "op-1", true) // held already by a: granted again
		if h := holder(t, b, "op-1"); h != "a" {
			t.Errorf("Holder(op-1) = %q, want a", h)
		}
		release()
		if h := holder(t, b, "op-1"); h != "" {
			t.Errorf("Holder(op-1) after release = %q, want none", h)
		}
		mustClaim(t, b, "op-1", true)
		release() // again: changes nothing
		if h := holder(t, a, "op-1"); h != "b" {
			t.Errorf("a's second release: Holder(op-1) = %q, want b", h)
		}
		if h := holder(t, a, "op-2"); h != "" {
			t.Errorf("Holder(op-2), never claimed = %q, want none", h)
		}
	})

	t.Run("ExpiredLease", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		releaseA := mustClaim(t, a, "op-1", true)
		// a's lease ends without a knowing at first, as after a long pause.
		revokeLeaseOf(t, endpoints, a, "op-1")
		testsync.Until(t, "b claims op-1 once a's lease is gone", func() bool {
			_, ok, err := b.Claim(context.Background(), "op-1")
			return err == nil && ok
		})
		releaseA()
		if h := holder(t, b, "op-1"); h != "b" {
			t.Errorf("a released a claim it had lost: Holder(op-1) = %q, want b", h)
		}
		testsync.Until(t, "a notices its lease ended and claims with a new one", func() bool {
			_, ok, err := a.Claim(context.Background(), "op-2")
			return err == nil && ok
		})
		mustClaim(t, a, "op-1", false)
	})

	t.Run("Crash", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		mustClaim(t, a, "op-1", true)
		crash(t, a)
		mustClaim(t, b, "op-1", false)
		testsync.Until(t, "b claims op-1 after a's lease expires", func() bool {
			_, ok, err := b.Claim(context.Background(), "op-1")
			return err == nil && ok
		})
		if _, _, err := a.Claim(context.Background(), "op-2"); err == nil {
			t.Errorf("Claim on a closed client = nil error, want one")
		}
	})

	t.Run("CloseRevokes", func(t *testing.T) {
		r := replicas(t, endpoints, "a", "b")
		a, b := r[0], r[1]
		mustClaim(t, a, "op-1", true)
		if err := a.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		// No waiting: Close gave the lease back.
		mustClaim(t, b, "op-1", true)
		if _, _, err := a.Claim(context.Background(), "op-2"); err == nil {
			t.Errorf("Claim after Close = nil error, want one")
		}
	})
}

// revokeLeaseOf revokes, through a client of its own, the lease under
// which s holds its claim on opID.
func revokeLeaseOf(t *testing.T, endpoints []string, s *etcdstore.Store, opID string) {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: endpoints, DialTimeout: 5 * time.Second, Logger: zap.NewNop()})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	resp, err := s.Client().Get(ctx, "", etcdhttp.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range resp.Kvs {
		if kv.Lease != 0 && len(kv.Key) > len(opID) && string(kv.Key[len(kv.Key)-len(opID)-1:]) == "/"+opID {
			if _, err := cli.Revoke(ctx, clientv3.LeaseID(kv.Lease)); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no key under a lease ends in /%s", opID)
}
