package demo_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Target {
		p := demo.New(demo.Config{ReadyAfter: 20 * time.Millisecond, PollInterval: 5 * time.Millisecond})
		return providertest.Target{
			Provider:          p,
			AddUnmanaged:      func(t *testing.T) { p.AddUnmanaged("someone-elses-vm") },
			SetReadyAfter:     p.SetReadyAfter,
			Unmanaged:         func(t *testing.T) string { return p.AddUnmanaged("billing-db") },
			UnmanagedSnapshot: func(t *testing.T) string { return p.AddUnmanagedSnapshot("their-backup") },
			SetActivity: func(id string, busy bool) {
				l := demo.IdleLoad
				if busy {
					l = demo.BusyLoad
				}
				p.SetLoadSince(id, l, time.Time{})
			},
		}
	})
}

// clock is a clock that tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func request(name string) providers.InstanceRequest {
	return providers.InstanceRequest{Name: name, Region: "demo-eu", Size: "small"}
}

func mustCreate(t *testing.T, p *demo.Provider, req providers.InstanceRequest) *providers.Instance {
	t.Helper()
	in, err := p.CreateInstance(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateInstance(%q) error = %v", req.Name, err)
	}
	return in
}

func TestCreateInstanceInvalid(t *testing.T) {
	p := demo.New(demo.Config{})
	tests := []struct {
		name    string
		spoil   func(*providers.InstanceRequest)
		mention string // part of the error text that tells what is valid
	}{
		{"unknown size", func(r *providers.InstanceRequest) { r.Size = "huge" }, "valid: small, medium, large, xlarge"},
		{"no size", func(r *providers.InstanceRequest) { r.Size = "" }, "valid: small, medium, large, xlarge"},
		{"unknown region", func(r *providers.InstanceRequest) { r.Region = "mars-1" }, "valid: demo-eu, demo-us"},
		{"size not in region", func(r *providers.InstanceRequest) { r.Size, r.Region = "xlarge", "demo-us" }, "offered in: demo-eu"},
		{"unknown ubuntu", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "20.04"}
		}, "valid: ubuntu-24.04, ubuntu-22.04, debian-12"},
		{"unknown custom image", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageCustom, ID: "arch"}
		}, "valid: ubuntu-24.04"},
		{"unknown snapshot", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "demo-snap-404"}
		}, `"demo-snap-404"`},
		{"unknown image kind", func(r *providers.InstanceRequest) { r.Image = providers.ImageSpec{Kind: "windows"} }, `"windows"`},
		{"no name", func(r *providers.InstanceRequest) { r.Name = " " }, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := request("dev-1")
			tt.spoil(&req)
			in, err := p.CreateInstance(t.Context(), req)
			if in != nil || !errors.Is(err, providers.ErrInvalid) {
				t.Fatalf("CreateInstance(%+v) = %+v, %v, want nil, ErrInvalid", req, in, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("CreateInstance(%+v) error = %q, want it to mention %q", req, err, tt.mention)
			}
		})
	}
	if list, err := p.ListInstances(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("ListInstances() = %+v, %v, want none", list, err)
	}
}

func TestCreateInstanceImages(t *testing.T) {
	p := demo.New(demo.Config{})
	images := []providers.ImageSpec{
		{},
		{Kind: providers.ImageUbuntu, Version: "24.04"},
		{Kind: providers.ImageUbuntu, Version: "22.04"},
		{Kind: providers.ImageDebian, Version: "12"},
		{Kind: providers.ImageCustom, ID: "debian-12"},
	}
	for _, img := range images {
		t.Run(img.String(), func(t *testing.T) {
			req := request("dev-1")
			req.Image = img
			if in := mustCreate(t, p, req); !in.Ready() {
				t.Errorf("CreateInstance(image %s) = %+v, want it ready at once with ReadyAfter 0", img, in)
			}
		})
	}
}

func TestReadyAfter(t *testing.T) {
	clk := newClock()
	p := demo.New(demo.Config{ReadyAfter: time.Minute, Now: clk.Now})
	created := mustCreate(t, p, request("dev-1"))
	want := providers.Instance{
		ID:      "demo-1",
		Name:    "dev-1",
		Status:  providers.StatusNew,
		Region:  "demo-eu",
		Size:    "small",
		Created: clk.Now(),
		Labels:  map[string]string{providers.LabelManagedBy: providers.ManagedByValue},
	}
	if diff := cmp.Diff(&want, created); diff != "" {
		t.Errorf("CreateInstance() mismatch (-want +got):\n%s", diff)
	}

	clk.Advance(time.Minute - time.Nanosecond)
	if got, err := p.GetInstance(t.Context(), "demo-1"); err != nil || got.Status != providers.StatusNew || got.IP != "" {
		t.Errorf("GetInstance() just before ReadyAfter = %+v, %v, want status new without IP", got, err)
	}

	clk.Advance(time.Nanosecond)
	want.Status, want.IP = providers.StatusActive, "203.0.113.1"
	got, err := p.GetInstance(t.Context(), "demo-1")
	if err != nil {
		t.Fatalf("GetInstance() error = %v", err)
	}
	if diff := cmp.Diff(&want, got); diff != "" {
		t.Errorf("GetInstance() at ReadyAfter mismatch (-want +got):\n%s", diff)
	}
}

func TestWaitReadyFollowsClock(t *testing.T) {
	clk := newClock()
	p := demo.New(demo.Config{ReadyAfter: time.Hour, PollInterval: time.Millisecond, Now: clk.Now})
	in := mustCreate(t, p, request("dev-1"))
	done := make(chan error, 1)
	go func() {
		_, err := p.WaitReady(t.Context(), in.ID)
		done <- err
	}()
	clk.Advance(time.Hour)
	if err := <-done; err != nil {
		t.Errorf("WaitReady(%q) error = %v, want nil", in.ID, err)
	}
}

func TestWaitReadyDestroyedWhileWaiting(t *testing.T) {
	p := demo.New(demo.Config{ReadyAfter: time.Hour, PollInterval: time.Hour})
	in := mustCreate(t, p, request("dev-1"))
	done := make(chan error, 1)
	go func() {
		_, err := p.WaitReady(t.Context(), in.ID)
		done <- err
	}()
	if err := p.DestroyInstance(t.Context(), in.ID); err != nil {
		t.Fatalf("DestroyInstance(%q) error = %v", in.ID, err)
	}
	if err := <-done; !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("WaitReady(%q) error = %v, want ErrNotFound", in.ID, err)
	}
}

func TestLabels(t *testing.T) {
	p := demo.New(demo.Config{})
	req := request("dev-1")
	req.Labels = map[string]string{
		providers.LabelOwner:     "U024BE7LH",
		providers.LabelOp:        "op 7/ü",
		providers.LabelManagedBy: "someone",
		"-weird key-":            strings.Repeat("x", 70),
		"!!!":                    "dropped",
	}
	in := mustCreate(t, p, req)
	want := map[string]string{
		providers.LabelManagedBy: providers.ManagedByValue,
		providers.LabelOwner:     "U024BE7LH",
		providers.LabelOp:        "op-7",
		"weird-key":              strings.Repeat("x", 63),
	}
	if diff := cmp.Diff(want, in.Labels); diff != "" {
		t.Errorf("CreateInstance() labels mismatch (-want +got):\n%s", diff)
	}
}

func TestCatalog(t *testing.T) {
	p := demo.New(demo.Config{})
	cat, err := p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	small, ok := cat.Size("small")
	want := providers.Size{Slug: "small", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, PriceHourly: 0.0074, Available: true}
	if !ok || !cmp.Equal(small, want) {
		t.Errorf("Catalog().Size(small) = %+v, %v, want %+v", small, ok, want)
	}
	if cat.SnapshotMonthlyPerGB != 0.06 {
		t.Errorf("Catalog().SnapshotMonthlyPerGB = %v, want 0.06", cat.SnapshotMonthlyPerGB)
	}
	cat.Sizes[3].Regions[0] = "changed"
	cat.Regions[0].Slug = "changed"
	again, err := p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	if xl, _ := again.Size("xlarge"); xl.Regions[0] != "demo-eu" || again.Regions[0].Slug != "demo-eu" {
		t.Errorf("Catalog() after changing an earlier result = %+v, want it unchanged", again)
	}
}

func TestContextEnded(t *testing.T) {
	p := demo.New(demo.Config{})
	in := mustCreate(t, p, request("dev-1"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := map[string]func() error{
		demo.OpCreateInstance:  func() error { _, err := p.CreateInstance(ctx, request("dev-2")); return err },
		demo.OpDestroyInstance: func() error { return p.DestroyInstance(ctx, in.ID) },
		demo.OpGetInstance:     func() error { _, err := p.GetInstance(ctx, in.ID); return err },
		demo.OpListInstances:   func() error { _, err := p.ListInstances(ctx); return err },
		demo.OpWaitReady:       func() error { _, err := p.WaitReady(ctx, in.ID); return err },
		demo.OpCreateSnapshot: func() error {
			_, err := p.CreateSnapshot(ctx, providers.SnapshotRequest{InstanceID: in.ID, Name: "s"})
			return err
		},
		demo.OpListSnapshots:  func() error { _, err := p.ListSnapshots(ctx); return err },
		demo.OpDeleteSnapshot: func() error { return p.DeleteSnapshot(ctx, "demo-snap-1") },
		demo.OpCatalog:        func() error { _, err := p.Catalog(ctx); return err },
	}
	for op, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("%s(cancelled ctx) error = %v, want context.Canceled", op, err)
		}
	}
	if got, err := p.GetInstance(t.Context(), in.ID); got == nil || err != nil {
		t.Errorf("GetInstance(%q) after a cancelled destroy = %+v, %v, want the instance", in.ID, got, err)
	}
}
