package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store"
)

// reserved is an instance as an up reserves it.
func reserved(name, owner, opID string) *store.Instance {
	return &store.Instance{Name: name, Owner: owner, OpID: opID, Provider: "hetzner", Status: store.InstanceCreating}
}

func testAccept(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	a := store.Acceptance{
		Op:      store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpAccepted, Owner: "U1", Instance: "box"},
		Reserve: reserved("box", "U1", "op-1"), MaxLive: 2,
		Audit: &store.AuditEvent{Actor: "U1", Action: "up", Target: "box", Outcome: "accepted", OpID: "op-1"},
	}
	w := around()
	op, created, err := s.Accept(ctx, a)
	w.close()
	if err != nil || !created {
		t.Fatalf("Accept(%s) = %v, %v, want created", a.Op.ID, created, err)
	}
	w.check(t, "Operation.Created", op.Created)
	want := a.Op
	want.Created, want.Updated = op.Created, op.Created
	if diff := gocmp.Diff(want, op); diff != "" {
		t.Errorf("Accept returned (-want +got):\n%s", diff)
	}
	if got, err := s.GetOperation(ctx, "op-1"); err != nil || got.Key != "env-1" {
		t.Errorf("GetOperation(op-1) = %+v, %v, want the journaled operation", got, err)
	}
	in := mustGet(t, s, "box")
	w.check(t, "Instance.Created", in.Created)
	if in.OpID != "op-1" || in.Status != store.InstanceCreating {
		t.Errorf("reserved instance = %+v, want creating for op-1", in)
	}
	if got := listNames(t, s, store.InstanceFilter{Owner: "U1"}); !gocmp.Equal(got, []string{"box"}) {
		t.Errorf("owner index after Accept = %v, want [box]", got)
	}
	if evs, err := s.ListAudit(ctx, t0, 0); err != nil || len(evs) != 1 || evs[0].OpID != "op-1" || evs[0].Seq == 0 {
		t.Errorf("ListAudit after Accept = %+v, %v, want one numbered event of op-1", evs, err)
	}

	// The same key again: the first operation, and nothing written.
	again, created, err := s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: "op-2", Key: "env-1"},
		Reserve: reserved("other", "U1", "op-2"), Audit: &store.AuditEvent{Actor: "U1", Action: "up"}})
	if err != nil || created || again.ID != "op-1" {
		t.Errorf("Accept(seen key) = %s, %v, %v, want op-1, false, nil", again.ID, created, err)
	}
	if _, err := s.GetInstance(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetInstance(other) after a seen key = %v, want %v", err, store.ErrNotFound)
	}
	if evs, _ := s.ListAudit(ctx, t0, 0); len(evs) != 1 {
		t.Errorf("a seen key appended to the audit log: %d events, want 1", len(evs))
	}

	refusals := []struct {
		name string
		a    store.Acceptance
		want error
	}{
		{"no id", store.Acceptance{Op: store.Operation{Key: "env-9"}}, errAny},
		{"id taken", store.Acceptance{Op: store.Operation{ID: "op-1", Key: "env-3"}}, store.ErrExists},
		{"id taken, no key", store.Acceptance{Op: store.Operation{ID: "op-1"}}, store.ErrExists},
		{"name live", store.Acceptance{Op: store.Operation{ID: "op-3"}, Reserve: reserved("box", "U2", "op-3")}, store.ErrExists},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := s.Accept(ctx, tt.a)
			if err == nil || (tt.want != errAny && !errors.Is(err, tt.want)) {
				t.Errorf("Accept(%+v) = %v, want %v", tt.a.Op, err, tt.want)
			}
			if tt.a.Op.ID != "" && tt.a.Op.ID != "op-1" {
				if _, err := s.GetOperation(ctx, tt.a.Op.ID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("a refused Accept journaled %s: GetOperation = %v", tt.a.Op.ID, err)
				}
			}
		})
	}

	// The cap counts live instances only: a failed one frees its slot and
	// its name.
	if _, _, err := s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: "op-4"}, Reserve: reserved("box2", "U1", "op-4"), MaxLive: 2}); err != nil {
		t.Fatalf("Accept(second instance under a cap of 2) = %v", err)
	}
	_, _, err = s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: "op-5"}, Reserve: reserved("box3", "U1", "op-5"), MaxLive: 2})
	if !errors.Is(err, store.ErrQuota) {
		t.Errorf("Accept(third instance over a cap of 2) = %v, want %v", err, store.ErrQuota)
	}
	if _, err := s.GetOperation(ctx, "op-5"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Accept refused for quota journaled op-5: GetOperation = %v", err)
	}
	if _, err := s.UpdateInstance(ctx, "box", func(i *store.Instance) error { i.Status = store.InstanceFailed; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: "op-6"}, Reserve: reserved("box", "U1", "op-6"), MaxLive: 2}); err != nil {
		t.Errorf("Accept(the failed instance's name, a slot freed) = %v, want nil", err)
	}
	if got := mustGet(t, s, "box"); got.OpID != "op-6" || got.Status != store.InstanceCreating {
		t.Errorf("GetInstance(box) = %+v, want the new reservation of op-6", got)
	}
	if got := listNames(t, s, store.InstanceFilter{Owner: "U1", LiveOnly: true}); len(got) != 2 {
		t.Errorf("U1's live instances = %v, want 2", got)
	}
}

// testAcceptConcurrent has one owner's requests race: 40 concurrent
// accepts under a cap of 5 reserve exactly 5, and each of 10 requests
// delivered twice at once is journaled once.
func testAcceptConcurrent(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	const requests, capLive = 40, 5
	var (
		wg          sync.WaitGroup
		mu          sync.Mutex
		ok, refused int
	)
	for i := range requests {
		wg.Go(func() {
			id := fmt.Sprintf("op-%d", i)
			_, _, err := s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: id, Key: "env-" + id},
				Reserve: reserved(fmt.Sprintf("vm-%d", i), "U1", id), MaxLive: capLive,
				Audit: &store.AuditEvent{Actor: "U1", Action: "up", OpID: id}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, store.ErrQuota):
				refused++
			default:
				t.Errorf("Accept(%s) = %v", id, err)
			}
		})
	}
	wg.Wait()
	if ok != capLive || refused != requests-capLive {
		t.Errorf("%d concurrent Accepts under a cap of %d: %d accepted, %d refused for quota; want %d and %d",
			requests, capLive, ok, refused, capLive, requests-capLive)
	}
	if got := listNames(t, s, store.InstanceFilter{Owner: "U1", LiveOnly: true}); len(got) != capLive {
		t.Errorf("live instances of U1 = %v, want %d", got, capLive)
	}
	if evs, err := s.ListAudit(ctx, t0, 0); err != nil || len(evs) != capLive {
		t.Errorf("ListAudit = %d events, %v; want %d, one per accepted request", len(evs), err, capLive)
	}

	// Redeliveries racing their first delivery: one operation per key.
	created := map[string]int{}
	for i := range 10 {
		for d := range 2 {
			wg.Go(func() {
				id := fmt.Sprintf("dup-%d-%d", i, d)
				op, ok, err := s.Accept(ctx, store.Acceptance{Op: store.Operation{ID: id, Key: fmt.Sprintf("dup-%d", i)},
					Reserve: reserved(fmt.Sprintf("dup-%d-%d", i, d), fmt.Sprintf("U-%d", i), id)})
				if err != nil {
					t.Errorf("Accept(%s) = %v", id, err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if ok {
					created[op.Key]++
				}
			})
		}
	}
	wg.Wait()
	for i := range 10 {
		if k := fmt.Sprintf("dup-%d", i); created[k] != 1 {
			t.Errorf("key %s delivered twice at once: created %d times, want 1", k, created[k])
		}
	}
	for i := range 10 {
		if got := listNames(t, s, store.InstanceFilter{Owner: fmt.Sprintf("U-%d", i)}); len(got) != 1 {
			t.Errorf("instances of U-%d after a double delivery = %v, want 1", i, got)
		}
	}
}
