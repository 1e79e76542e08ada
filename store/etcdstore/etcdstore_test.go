package etcdstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
	"github.com/spuffbot/spuffbot/store/storetest"
)

// prefixes numbers the prefixes tests take, so that stores on one server
// do not meet unless a test means them to.
var prefixes atomic.Int64

func newPrefix() string { return fmt.Sprintf("/test-%d/", prefixes.Add(1)) }

// openStore opens a store with cfg and closes it when the test ends.
func openStore(t *testing.T, cfg etcdstore.Config) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Open(%+v) = %v", cfg, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return s
}

// TestEtcd runs the conformance suite, and the tests of what only a shared
// store can show, against one etcd server; every store gets its own prefix.
func TestEtcd(t *testing.T) {
	endpoints := etcdtest.Start(t)
	t.Run("Suite", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) storetest.Store {
			return openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: newPrefix()})
		})
	})
	t.Run("TwoClients", func(t *testing.T) { testTwoClients(t, endpoints) })
	t.Run("CreateOperationAcrossClients", func(t *testing.T) { testCreateOperationAcrossClients(t, endpoints) })
	t.Run("Reopen", func(t *testing.T) { testReopen(t, endpoints) })
	t.Run("Prefixes", func(t *testing.T) { testPrefixes(t, endpoints) })
	t.Run("Ping", func(t *testing.T) {
		s := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: newPrefix()})
		if err := s.Ping(context.Background()); err != nil {
			t.Errorf("Ping() = %v", err)
		}
		if s.Client() == nil {
			t.Errorf("Client() = nil")
		}
	})
}

// testTwoClients has two stores, as two replicas would, share a prefix:
// each sees the other's writes at once, and their updates and audit
// events interleave without loss.
func testTwoClients(t *testing.T, endpoints []string) {
	ctx := context.Background()
	cfg := etcdstore.Config{Endpoints: endpoints, Prefix: newPrefix()}
	a, b := openStore(t, cfg), openStore(t, cfg)

	inst := store.Instance{Name: "dev", Owner: "U1", Provider: "hetzner", CloudID: "4711", Status: store.InstanceCreating}
	if err := a.CreateInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if err := b.CreateInstance(ctx, inst); !errors.Is(err, store.ErrExists) {
		t.Errorf("B.CreateInstance of A's live instance = %v, want %v", err, store.ErrExists)
	}
	if _, err := b.UpdateInstance(ctx, "dev", func(i *store.Instance) error { i.Status = store.InstanceReady; return nil }); err != nil {
		t.Fatal(err)
	}
	if got, err := a.FindInstanceByCloudID(ctx, "hetzner", "4711"); err != nil || got.Status != store.InstanceReady {
		t.Errorf("A.FindInstanceByCloudID after B's update = %+v, %v, want ready", got, err)
	}
	if err := b.AddKey(ctx, store.SSHKey{Owner: "U1", Fingerprint: "SHA256:a", PublicKey: "ssh-ed25519 A"}); err != nil {
		t.Fatal(err)
	}
	if keys, err := a.ListKeys(ctx, "U1"); err != nil || len(keys) != 1 {
		t.Errorf("A.ListKeys after B.AddKey = %+v, %v, want one key", keys, err)
	}
	if err := a.PutApproval(ctx, store.Approval{OpID: "op-1", State: store.ApprovalPending, Requester: "U1"}); err != nil {
		t.Fatal(err)
	}
	if pending, err := b.ListApprovals(ctx, true); err != nil || len(pending) != 1 {
		t.Errorf("B.ListApprovals(pending) after A.PutApproval = %+v, %v, want one", pending, err)
	}

	const rounds = 10
	var wg sync.WaitGroup
	for _, s := range []*etcdstore.Store{a, b, a, b} {
		wg.Go(func() {
			for range rounds {
				if _, err := s.UpdateInstance(ctx, "dev", func(i *store.Instance) error { i.PriceHourly++; return nil }); err != nil {
					t.Errorf("UpdateInstance: %v", err)
				}
				if err := s.Audit(ctx, store.AuditEvent{Actor: "U1", Action: "extend", Outcome: "ok"}); err != nil {
					t.Errorf("Audit: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if got, err := b.GetInstance(ctx, "dev"); err != nil || got.PriceHourly != 4*rounds {
		t.Errorf("PriceHourly after %d increments through two clients = %+v, %v, want %d", 4*rounds, got, err, 4*rounds)
	}
	events, err := a.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, ev := range events {
		seen[ev.Seq] = true
	}
	if len(events) != 4*rounds || len(seen) != 4*rounds {
		t.Errorf("audit events from two clients: %d, %d distinct sequence numbers, want %d and %d", len(events), len(seen), 4*rounds, 4*rounds)
	}
}

// testCreateOperationAcrossClients delivers one request twenty times at
// once through two clients, as a redelivered Slack envelope may reach two
// replicas: exactly one operation is journaled.
func testCreateOperationAcrossClients(t *testing.T, endpoints []string) {
	ctx := context.Background()
	cfg := etcdstore.Config{Endpoints: endpoints, Prefix: newPrefix()}
	clients := []*etcdstore.Store{openStore(t, cfg), openStore(t, cfg)}
	const deliveries = 20
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		created int
		ids     = map[string]int{}
	)
	for d := range deliveries {
		wg.Go(func() {
			op := store.Operation{ID: fmt.Sprintf("op-%d", d), Key: "envelope-1", Kind: store.OpUp, Owner: "U1"}
			got, ok, err := clients[d%2].CreateOperation(ctx, op)
			if err != nil {
				t.Errorf("CreateOperation(%s) through client %d = %v", op.ID, d%2, err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ids[got.ID]++
			if ok {
				created++
			}
		})
	}
	wg.Wait()
	if created != 1 || len(ids) != 1 {
		t.Errorf("%d deliveries through two clients: %d created, answered with ids %v, want 1 and one id", deliveries, created, ids)
	}
	for i, c := range clients {
		if ops, err := c.ListOperations(ctx, false); err != nil || len(ops) != 1 {
			t.Errorf("client %d: ListOperations = %d operations, %v, want 1", i, len(ops), err)
		}
	}
}

// testReopen writes one record of every kind, closes the store, opens
// another on the prefix and reads them all back, indexes included.
func testReopen(t *testing.T, endpoints []string) {
	ctx := context.Background()
	now := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	cfg := etcdstore.Config{Endpoints: endpoints, Prefix: newPrefix(), Now: func() time.Time { return now }}
	inst := store.Instance{
		Name: "dev-ada", Provider: "hetzner", CloudID: "4711", Owner: "U1", Size: "cx22",
		Region: "fsn1", IP: "203.0.113.7", PriceHourly: 0.0071, Created: now,
		LeaseExpiry: now.Add(8 * time.Hour), Status: store.InstanceReady, OpID: "op-1",
	}
	op := store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpRunning, Owner: "U1",
		Provider: "hetzner", Instance: "dev-ada", Request: []byte(`{"size":"cx22"}`)}
	appr := store.Approval{OpID: "op-1", State: store.ApprovalPending, Requester: "U1",
		Expires: now.Add(time.Hour), Cards: []string{"C1/1.2"}, Created: now}
	key := store.SSHKey{Owner: "U1", Fingerprint: "SHA256:abc", Type: "ssh-ed25519",
		PublicKey: "ssh-ed25519 AAAA ada@laptop", Added: now}
	ev := store.AuditEvent{Seq: 1, Time: now, Actor: "U1", Action: "up", Target: "dev-ada", Outcome: "ok", OpID: "op-1"}

	first, err := etcdstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.CreateInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if op, _, err = first.CreateOperation(ctx, op); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{first.PutApproval(ctx, appr), first.AddKey(ctx, key), first.Audit(ctx, ev)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}

	s := openStore(t, cfg)
	if got, err := s.GetInstance(ctx, "dev-ada"); err != nil || !cmp.Equal(inst, *got) {
		t.Errorf("GetInstance after reopen = %+v, %v, want %+v", got, err, inst)
	}
	if got, err := s.ListInstances(ctx, store.InstanceFilter{Owner: "U1"}); err != nil || len(got) != 1 {
		t.Errorf("ListInstances(owner U1) after reopen = %+v, %v, want 1 instance", got, err)
	}
	if _, err := s.FindInstanceByCloudID(ctx, "hetzner", "4711"); err != nil {
		t.Errorf("FindInstanceByCloudID after reopen = %v", err)
	}
	if got, created, err := s.CreateOperation(ctx, store.Operation{ID: "op-2", Key: "env-1"}); err != nil || created || !cmp.Equal(op, got) {
		t.Errorf("CreateOperation(same key) after reopen = %+v, %v, %v, want %+v, false", got, created, err, op)
	}
	if got, err := s.GetApproval(ctx, "op-1"); err != nil || !cmp.Equal(appr, *got) {
		t.Errorf("GetApproval after reopen = %+v, %v, want %+v", got, err, appr)
	}
	if got, err := s.ListKeys(ctx, "U1"); err != nil || !cmp.Equal([]store.SSHKey{key}, got) {
		t.Errorf("ListKeys after reopen = %+v, %v, want [%+v]", got, err, key)
	}
	if err := s.Audit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	events, err := s.ListAudit(ctx, time.Time{}, 0)
	noSeq := cmpopts.IgnoreFields(store.AuditEvent{}, "Seq")
	if err != nil || len(events) != 2 || !cmp.Equal(ev, events[0], noSeq) || events[1].Seq <= events[0].Seq {
		t.Errorf("ListAudit after reopen and one more event = %+v, %v, want %+v then a later seq", events, err, ev)
	}
}

// testPrefixes checks that stores under different prefixes, one a string
// prefix of the other, do not see each other's records.
func testPrefixes(t *testing.T, endpoints []string) {
	ctx := context.Background()
	base := newPrefix()
	a := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: base + "a"})
	ab := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: base + "ab"})
	aSlash := openStore(t, etcdstore.Config{Endpoints: endpoints, Prefix: base + "a/"})
	if err := a.CreateInstance(ctx, store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceReady}); err != nil {
		t.Fatal(err)
	}
	if err := a.Audit(ctx, store.AuditEvent{Actor: "U1", Action: "up", Outcome: "ok"}); err != nil {
		t.Fatal(err)
	}
	if got, err := ab.ListInstances(ctx, store.InstanceFilter{}); err != nil || len(got) != 0 {
		t.Errorf("ListInstances under %q = %+v, %v, want none of %q's", base+"ab", got, err, base+"a")
	}
	if got, err := ab.ListAudit(ctx, time.Time{}, 0); err != nil || len(got) != 0 {
		t.Errorf("ListAudit under %q = %+v, %v, want none of %q's", base+"ab", got, err, base+"a")
	}
	if _, err := aSlash.GetInstance(ctx, "dev"); err != nil {
		t.Errorf("GetInstance under %q = %v, want the instance stored under %q, the same prefix", base+"a/", err, base+"a")
	}
}
