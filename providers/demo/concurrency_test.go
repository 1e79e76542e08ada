package demo_test

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

var docRange = netip.MustParsePrefix("203.0.113.0/24")

func TestIPsUniqueInDocumentationRange(t *testing.T) {
	p := demo.New(demo.Config{})
	seen := make(map[string]string)
	for i := range 100 {
		in := mustCreate(t, p, request(fmt.Sprintf("dev-%d", i)))
		if i%3 == 0 { // freed addresses must not come back while others are free
			if err := p.DestroyInstance(t.Context(), in.ID); err != nil {
				t.Fatalf("DestroyInstance(%q) error = %v", in.ID, err)
			}
		}
		addr, err := netip.ParseAddr(in.IP)
		if err != nil || !docRange.Contains(addr) || addr.As4()[3] == 0 || addr.As4()[3] == 255 {
			t.Errorf("instance %s IP = %q, want a host address in %s", in.ID, in.IP, docRange)
		}
		if other, ok := seen[in.IP]; ok {
			t.Errorf("instances %s and %s both got IP %s", other, in.ID, in.IP)
		}
		seen[in.IP] = in.ID
	}
}

func TestAddressesRunOut(t *testing.T) {
	p := demo.New(demo.Config{})
	var last *providers.Instance
	for i := range 254 {
		last = mustCreate(t, p, request(fmt.Sprintf("dev-%d", i)))
	}
	if in, err := p.CreateInstance(t.Context(), request("one-too-many")); in != nil || !errors.Is(err, providers.ErrQuota) {
		t.Fatalf("CreateInstance() #255 = %+v, %v, want nil, ErrQuota", in, err)
	}
	if err := p.DestroyInstance(t.Context(), last.ID); err != nil {
		t.Fatalf("DestroyInstance(%q) error = %v", last.ID, err)
	}
	if in := mustCreate(t, p, request("fits-again")); in.IP != last.IP {
		t.Errorf("CreateInstance() after a destroy got IP %q, want the freed %q", in.IP, last.IP)
	}
}

// TestConcurrentUse runs every method from many goroutines at once; run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	const workers, rounds = 16, 10
	p := demo.New(demo.Config{ReadyAfter: 0})
	p.AddUnmanaged("someone-elses-vm")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				if err := lifecycle(t, p, fmt.Sprintf("w%d-r%d", w, r)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	ctx := t.Context()
	if list, err := p.ListInstances(ctx); err != nil || len(list) != 0 {
		t.Errorf("ListInstances() after all destroys = %d instances, %v, want none", len(list), err)
	}
	if snaps, err := p.ListSnapshots(ctx); err != nil || len(snaps) != 0 {
		t.Errorf("ListSnapshots() after all deletes = %d snapshots, %v, want none", len(snaps), err)
	}
	calls := p.Calls()
	for _, op := range []string{demo.OpCreateInstance, demo.OpWaitReady, demo.OpCreateSnapshot, demo.OpDestroyInstance} {
		if calls[op] != workers*rounds {
			t.Errorf("Calls()[%s] = %d, want %d", op, calls[op], workers*rounds)
		}
	}
}

// lifecycle creates, inspects, snapshots and destroys one instance.
func lifecycle(t *testing.T, p *demo.Provider, name string) error {
	ctx := t.Context()
	in, err := p.CreateInstance(ctx, request(name))
	if err != nil {
		return fmt.Errorf("create %s: %w", name, err)
	}
	ready, err := p.WaitReady(ctx, in.ID)
	if err != nil || !ready.Ready() {
		return fmt.Errorf("wait %s: %+v, %w", in.ID, ready, err)
	}
	if _, err := p.ListInstances(ctx); err != nil {
		return fmt.Errorf("list: %w", err)
	}
	snap, err := p.CreateSnapshot(ctx, providers.SnapshotRequest{InstanceID: in.ID, Name: name})
	if err != nil {
		return fmt.Errorf("snapshot %s: %w", in.ID, err)
	}
	if _, err := p.ListSnapshots(ctx); err != nil {
		return fmt.Errorf("list snapshots: %w", err)
	}
	if err := p.DeleteSnapshot(ctx, snap.ID); err != nil {
		return fmt.Errorf("delete snapshot %s: %w", snap.ID, err)
	}
	if err := p.DestroyInstance(ctx, in.ID); err != nil {
		return fmt.Errorf("destroy %s: %w", in.ID, err)
	}
	if got, err := p.GetInstance(ctx, in.ID); got != nil || err != nil {
		return fmt.Errorf("get %s after destroy: %+v, %v", in.ID, got, err)
	}
	return nil
}

func BenchmarkCreateDestroy(b *testing.B) {
	p := demo.New(demo.Config{})
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		in, err := p.CreateInstance(ctx, request("bench"))
		if err != nil {
			b.Fatal(err)
		}
		if err := p.DestroyInstance(ctx, in.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkListInstances(b *testing.B) {
	p := demo.New(demo.Config{})
	ctx := b.Context()
	for i := range 200 {
		if _, err := p.CreateInstance(ctx, request(fmt.Sprintf("dev-%d", i))); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ListInstances(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
