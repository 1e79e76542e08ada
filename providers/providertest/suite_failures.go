package providertest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
)

// suiteWaitReadyCancelled checks that WaitReady with an ended context
// returns the context's error.
func suiteWaitReadyCancelled(t *testing.T, f *suiteFixture) {
	in := f.create("spuff-ct-cancelled")
	ctx, cancel := context.WithCancel(f.ctx)
	cancel()
	r := f.waitReadyGuarded(ctx, in.ID)
	if r.in != nil {
		t.Errorf("WaitReady(cancelled ctx, %q) = %+v, want nil", in.ID, r.in)
	}
	suiteWantKind(t, fmt.Sprintf("WaitReady(cancelled ctx, %q)", in.ID), r.err, context.Canceled)
}

// suiteWaitReadyWhileBooting checks that WaitReady stops with the
// context's error when the context ends while the instance still boots.
func suiteWaitReadyWhileBooting(t *testing.T, f *suiteFixture) {
	if f.target.SetReadyAfter == nil {
		t.Skip("Target.SetReadyAfter is nil")
	}
	f.target.SetReadyAfter(time.Hour)
	in := f.create("spuff-ct-booting")
	ctx, cancel := context.WithTimeout(f.ctx, 50*time.Millisecond)
	defer cancel()
	r := f.waitReadyGuarded(ctx, in.ID)
	if r.in != nil {
		t.Errorf("WaitReady(%q) = %+v, want nil: the instance boots for an hour", in.ID, r.in)
	}
	suiteWantKind(t, fmt.Sprintf("WaitReady(%q) with a context that ends", in.ID), r.err, context.DeadlineExceeded)
}

// suiteInvalidSize checks that an unknown size is refused as invalid and
// creates nothing.
func suiteInvalidSize(t *testing.T, f *suiteFixture) {
	suiteInvalidRequest(t, f, func(req *providers.InstanceRequest) { req.Size = "no-such-size" })
}

// suiteInvalidRegion checks that an unknown region is refused as invalid
// and creates nothing.
func suiteInvalidRegion(t *testing.T, f *suiteFixture) {
	suiteInvalidRequest(t, f, func(req *providers.InstanceRequest) { req.Region = "no-such-region" })
}

func suiteInvalidRequest(t *testing.T, f *suiteFixture, spoil func(*providers.InstanceRequest)) {
	t.Helper()
	req := f.request("spuff-ct-invalid")
	spoil(&req)
	in, err := f.p.CreateInstance(f.ctx, req)
	if in != nil {
		f.destroyAtEnd(in.ID)
		t.Errorf("CreateInstance(size %q, region %q) = %+v, want nil", req.Size, req.Region, in)
	}
	suiteWantKind(t, fmt.Sprintf("CreateInstance(size %q, region %q)", req.Size, req.Region), err, providers.ErrInvalid)
	if ids := f.listIDs(); len(ids) != 0 {
		t.Errorf("ListInstances() after a refused create = %v, want none", ids)
	}
}

// suiteUnknownInstance checks the calls on the id of an instance that no
// longer exists: Get is nil, nil, Destroy succeeds and WaitReady reports
// providers.ErrNotFound instead of waiting for ever.
func suiteUnknownInstance(t *testing.T, f *suiteFixture) {
	in := f.create("spuff-ct-unknown")
	if err := f.p.DestroyInstance(f.ctx, in.ID); err != nil {
		t.Fatalf("DestroyInstance(%q) error = %v", in.ID, err)
	}
	got, err := f.p.GetInstance(f.ctx, in.ID)
	if got != nil || err != nil {
		t.Errorf("GetInstance(%q) = %+v, %v, want nil, nil", in.ID, got, err)
	}
	if err := f.p.DestroyInstance(f.ctx, in.ID); err != nil {
		t.Errorf("DestroyInstance(%q) of a gone instance error = %v, want nil", in.ID, err)
	}
	ctx, cancel := context.WithTimeout(f.ctx, suiteReturnTimeout)
	defer cancel()
	r := f.waitReadyGuarded(ctx, in.ID)
	if r.in != nil {
		t.Errorf("WaitReady(%q) of a gone instance = %+v, want nil", in.ID, r.in)
	}
	suiteWantKind(t, fmt.Sprintf("WaitReady(%q) of a gone instance", in.ID), r.err, providers.ErrNotFound)
}

// suiteConcurrentCreates creates a few instances at once and checks that
// each gets its own id and address.
func suiteConcurrentCreates(t *testing.T, f *suiteFixture) {
	const n = 3
	created := make([]*providers.Instance, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			created[i], errs[i] = f.p.CreateInstance(f.ctx, f.request(fmt.Sprintf("spuff-ct-concurrent-%d", i)))
		})
	}
	wg.Wait()
	for i, in := range created {
		if in != nil && in.ID != "" {
			f.destroyAtEnd(in.ID)
		}
		if errs[i] != nil || in == nil || in.ID == "" {
			t.Fatalf("CreateInstance(spuff-ct-concurrent-%d) = %+v, %v, want an instance", i, in, errs[i])
		}
	}

	ids := make(map[string]bool)
	ips := make(map[string]string)
	var want []string
	for _, in := range created {
		ready := f.waitReady(in.ID)
		if ids[in.ID] {
			t.Errorf("CreateInstance() returned id %q twice", in.ID)
		}
		ids[in.ID] = true
		if other, ok := ips[ready.IP]; ok {
			t.Errorf("instances %s and %s both have IP %s", other, in.ID, ready.IP)
		}
		ips[ready.IP] = in.ID
		want = append(want, in.ID)
	}
	if diff := cmp.Diff(slices.Sorted(slices.Values(want)), f.listIDs()); diff != "" {
		t.Errorf("ListInstances() ids mismatch (-want +got):\n%s", diff)
	}
}
