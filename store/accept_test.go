package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
)

func TestAccept(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	reserve := func(name, owner, op string) *Instance {
		return &Instance{Name: name, Owner: owner, OpID: op, Status: InstanceCreating}
	}
	op, created, err := db.Accept(ctx, Acceptance{
		Op:      Operation{ID: "op1", Key: "k1", Kind: OpUp, Owner: "U1"},
		Reserve: reserve("box", "U1", "op1"), MaxLive: 2,
		Audit: &AuditEvent{Actor: "U1", Action: "up", Outcome: "accepted"},
	})
	if err != nil || !created || op.Created.IsZero() {
		t.Fatalf("Accept = %+v, %v, %v; want created", op, created, err)
	}
	if in, err := db.GetInstance(ctx, "box"); err != nil || in.OpID != "op1" {
		t.Fatalf("GetInstance(box) = %+v, %v", in, err)
	}
	if ev, _ := db.ListAudit(ctx, op.Created.Add(-1), 0); len(ev) != 1 {
		t.Fatalf("audit has %d events, want 1", len(ev))
	}

	// The same key again: the first operation, nothing written.
	again, created, err := db.Accept(ctx, Acceptance{Op: Operation{ID: "op2", Key: "k1"}, Reserve: reserve("other", "U1", "op2")})
	if err != nil || created || again.ID != "op1" {
		t.Fatalf("Accept(seen key) = %s, %v, %v; want op1, false", again.ID, created, err)
	}
	if _, err := db.GetInstance(ctx, "other"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a seen key reserved an instance: %v", err)
	}

	for _, tc := range []struct {
		name string
		a    Acceptance
		want error
	}{
		{"name taken", Acceptance{Op: Operation{ID: "op3"}, Reserve: reserve("box", "U2", "op3")}, ErrExists},
		{"id taken", Acceptance{Op: Operation{ID: "op1"}}, ErrExists},
	} {
		if _, _, err := db.Accept(ctx, tc.a); !errors.Is(err, tc.want) {
			t.Errorf("%s: Accept err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, _, err := db.Accept(ctx, Acceptance{Op: Operation{ID: "op4"}, Reserve: reserve("box2", "U1", "op4"), MaxLive: 2}); err != nil {
		t.Fatalf("second instance under the cap: %v", err)
	}
	_, _, err = db.Accept(ctx, Acceptance{Op: Operation{ID: "op5"}, Reserve: reserve("box3", "U1", "op5"), MaxLive: 2})
	if !errors.Is(err, ErrQuota) {
		t.Fatalf("third instance over a cap of 2: err = %v, want ErrQuota", err)
	}
	if _, err := db.GetOperation(ctx, "op5"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a refused Accept journaled its operation: %v", err)
	}
}

// TestAcceptConcurrentQuota checks that batched Accepts see each other's
// reservations: 40 concurrent requests of one owner under a cap of 5
// reserve exactly 5, and distinct keys of many owners all land.
func TestAcceptConcurrentQuota(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, quota := 0, 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("op%d", i)
			_, _, err := db.Accept(ctx, Acceptance{Op: Operation{ID: id, Key: "key-" + id},
				Reserve: &Instance{Name: "vm" + id, Owner: "U1", OpID: id, Status: InstanceCreating}, MaxLive: 5})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ErrQuota):
				quota++
			default:
				t.Errorf("Accept(%s): %v", id, err)
			}
		}()
	}
	wg.Wait()
	if ok != 5 || quota != 35 {
		t.Fatalf("accepted %d, refused for quota %d; want 5 and 35", ok, quota)
	}
	live, err := db.ListInstances(ctx, InstanceFilter{Owner: "U1", LiveOnly: true})
	if err != nil || len(live) != 5 {
		t.Fatalf("ListInstances = %d, %v; want 5 live", len(live), err)
	}
}
