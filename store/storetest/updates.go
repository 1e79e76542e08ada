package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spuffbot/spuffbot/store"
)

func testUpdateInstance(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	mustCreate(t, s, store.Instance{Name: "dev", Owner: "U1", Provider: "aws", CloudID: "i-1", Status: store.InstanceCreating, Created: t0})
	orig := mustGet(t, s, "dev")

	refusals := []struct {
		name string
		fn   func(*store.Instance) error
		// wantFnErr is set when the error must be fn's, unwrapped.
		wantFnErr bool
	}{
		{
			name: "fn error",
			fn: func(i *store.Instance) error {
				i.Owner, i.CloudID, i.Status = "U2", "i-2", store.InstanceReady
				return errNo
			},
			wantFnErr: true,
		},
		{
			name: "rename",
			fn:   func(i *store.Instance) error { i.Name, i.Owner = "other", "U2"; return nil },
		},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.UpdateInstance(ctx, "dev", tt.fn)
			if err == nil || got != nil {
				t.Fatalf("UpdateInstance(%q) = %+v, %v, want an error", "dev", got, err)
			}
			if tt.wantFnErr && err != errNo {
				t.Errorf("UpdateInstance(%q) error = %#v, want fn's error as it is", "dev", err)
			}
			if diff := cmp.Diff(orig, mustGet(t, s, "dev")); diff != "" {
				t.Errorf("instance after failed UpdateInstance (-want +got):\n%s", diff)
			}
			if got := listNames(t, s, store.InstanceFilter{Owner: "U2"}); got != nil {
				t.Errorf("ListInstances(owner U2) = %q, want none", got)
			}
			if _, err := s.GetInstance(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetInstance(%q) = %v, want %v", "other", err, store.ErrNotFound)
			}
			if _, err := s.FindInstanceByCloudID(ctx, "aws", "i-1"); err != nil {
				t.Errorf("FindInstanceByCloudID(aws, i-1) = %v", err)
			}
			if _, err := s.FindInstanceByCloudID(ctx, "aws", "i-2"); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("FindInstanceByCloudID(aws, i-2) = %v, want %v", err, store.ErrNotFound)
			}
		})
	}
	t.Run("changes", func(t *testing.T) {
		got, err := s.UpdateInstance(ctx, "dev", func(i *store.Instance) error {
			i.Status, i.IP, i.CloudID = store.InstanceReady, "203.0.113.5", "i-3"
			return nil
		})
		if err != nil {
			t.Fatalf("UpdateInstance(%q) = %v", "dev", err)
		}
		want := orig
		want.Status, want.IP, want.CloudID = store.InstanceReady, "203.0.113.5", "i-3"
		if diff := cmp.Diff(want, *got); diff != "" {
			t.Errorf("UpdateInstance(%q) result (-want +got):\n%s", "dev", diff)
		}
		if diff := cmp.Diff(want, mustGet(t, s, "dev")); diff != "" {
			t.Errorf("GetInstance after UpdateInstance (-want +got):\n%s", diff)
		}
		if found, err := s.FindInstanceByCloudID(ctx, "aws", "i-3"); err != nil || found.Name != "dev" {
			t.Errorf("FindInstanceByCloudID(aws, i-3) = %+v, %v, want dev", found, err)
		}
		if _, err := s.FindInstanceByCloudID(ctx, "aws", "i-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("FindInstanceByCloudID(aws, i-1) after the id changed = %v, want %v", err, store.ErrNotFound)
		}
	})
	t.Run("missing", func(t *testing.T) {
		called := false
		_, err := s.UpdateInstance(ctx, "nope", func(*store.Instance) error { called = true; return nil })
		if !errors.Is(err, store.ErrNotFound) || called {
			t.Errorf("UpdateInstance(%q) = %v (fn called: %v), want %v", "nope", err, called, store.ErrNotFound)
		}
	})
}

// testUpdateInstanceConcurrent has workers race to change one instance:
// no increment may be lost and the owner index must end with one entry.
func testUpdateInstanceConcurrent(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	mustCreate(t, s, store.Instance{Name: "dev", Owner: "U0", Status: store.InstanceReady})
	const workers, rounds = 16, 5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range rounds {
				_, err := s.UpdateInstance(ctx, "dev", func(i *store.Instance) error {
					i.PriceHourly++
					i.Owner = fmt.Sprintf("U%d", w)
					return nil
				})
				if err != nil {
					t.Errorf("UpdateInstance: %v", err)
				}
				if _, err := s.ListInstances(ctx, store.InstanceFilter{Owner: "U1"}); err != nil {
					t.Errorf("ListInstances: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if got := mustGet(t, s, "dev"); got.PriceHourly != workers*rounds {
		t.Errorf("PriceHourly after %d increments = %v, want %d", workers*rounds, got.PriceHourly, workers*rounds)
	}
	all, err := s.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for w := range workers {
		n += len(listNames(t, s, store.InstanceFilter{Owner: fmt.Sprintf("U%d", w)}))
	}
	if len(all) != 1 || n != 1 {
		t.Errorf("after concurrent owner changes: %d instances, %d owner index entries, want 1 and 1", len(all), n)
	}
}

// testCanceledContext checks that a done context stops a call before it
// reads or writes anything, and that the error says so.
func testCanceledContext(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	mustCreate(t, s, store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceReady})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := []struct {
		name string
		call func() error
	}{
		{"CreateInstance", func() error { return s.CreateInstance(ctx, store.Instance{Name: "dev2"}) }},
		{"GetInstance", func() error { _, err := s.GetInstance(ctx, "dev"); return err }},
		{"ListInstances", func() error { _, err := s.ListInstances(ctx, store.InstanceFilter{}); return err }},
		{"UpdateInstance", func() error {
			_, err := s.UpdateInstance(ctx, "dev", func(*store.Instance) error { return nil })
			return err
		}},
		{"CreateOperation", func() error { _, _, err := s.CreateOperation(ctx, store.Operation{ID: "op-1"}); return err }},
		{"AddKey", func() error { return s.AddKey(ctx, store.SSHKey{Owner: "U1", Fingerprint: "SHA256:x"}) }},
		{"Audit", func() error { return s.Audit(ctx, store.AuditEvent{Actor: "U1", Action: "up"}) }},
	}
	for _, c := range calls {
		if err := c.call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s(canceled) = %v, want %v", c.name, err, context.Canceled)
		}
	}
	if _, err := s.GetInstance(context.Background(), "dev2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetInstance(%q) after a canceled create = %v, want %v", "dev2", err, store.ErrNotFound)
	}
}
