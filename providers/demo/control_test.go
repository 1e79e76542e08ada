package demo_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

func TestSetFailNext(t *testing.T) {
	p := demo.New(demo.Config{})
	quota := &providers.Error{Provider: "demo", Op: "create instance", Kind: providers.ErrQuota, Message: "limit reached"}
	limited := &providers.Error{Provider: "demo", Op: "create instance", Kind: providers.ErrRateLimited,
		RetryAfter: 3 * time.Second}
	p.SetFailNext(demo.OpCreateInstance, quota)
	p.SetFailNext(demo.OpCreateInstance, limited)

	if in, err := p.CreateInstance(t.Context(), request("dev-1")); in != nil || !errors.Is(err, providers.ErrQuota) {
		t.Errorf("CreateInstance() #1 = %+v, %v, want nil, ErrQuota", in, err)
	}
	_, err := p.CreateInstance(t.Context(), request("dev-1"))
	if d, ok := providers.RetryAfter(err); !ok || d != 3*time.Second {
		t.Errorf("RetryAfter(CreateInstance() #2 error %v) = %v, %v, want 3s, true", err, d, ok)
	}
	if list, err := p.ListInstances(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("ListInstances() after failed creates = %+v, %v, want none", list, err)
	}
	if _, err := p.CreateInstance(t.Context(), request("dev-1")); err != nil {
		t.Errorf("CreateInstance() #3 error = %v, want nil once the faults are used up", err)
	}

	want := map[string]int{demo.OpCreateInstance: 3, demo.OpListInstances: 1}
	if diff := cmp.Diff(want, p.Calls()); diff != "" {
		t.Errorf("Calls() mismatch (-want +got):\n%s", diff)
	}
}

func TestSetFailNextOtherOps(t *testing.T) {
	boom := errors.New("connection reset by peer")
	tests := []struct {
		op   string
		call func(p *demo.Provider, id string) error
	}{
		{demo.OpDestroyInstance, func(p *demo.Provider, id string) error { return p.DestroyInstance(t.Context(), id) }},
		{demo.OpGetInstance, func(p *demo.Provider, id string) error { _, err := p.GetInstance(t.Context(), id); return err }},
		{demo.OpWaitReady, func(p *demo.Provider, id string) error { _, err := p.WaitReady(t.Context(), id); return err }},
		{demo.OpCreateSnapshot, func(p *demo.Provider, id string) error {
			_, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: id, Name: "snap"})
			return err
		}},
		{demo.OpListSnapshots, func(p *demo.Provider, _ string) error { _, err := p.ListSnapshots(t.Context()); return err }},
		{demo.OpDeleteSnapshot, func(p *demo.Provider, _ string) error { return p.DeleteSnapshot(t.Context(), "demo-snap-9") }},
		{demo.OpCatalog, func(p *demo.Provider, _ string) error { _, err := p.Catalog(t.Context()); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			p := demo.New(demo.Config{})
			in := mustCreate(t, p, request("dev-1"))
			p.SetFailNext(tt.op, boom)
			if err := tt.call(p, in.ID); !errors.Is(err, boom) {
				t.Errorf("%s() error = %v, want %v", tt.op, err, boom)
			}
			if err := tt.call(p, in.ID); err != nil {
				t.Errorf("%s() second call error = %v, want nil", tt.op, err)
			}
			if got := p.Calls()[tt.op]; got != 2 {
				t.Errorf("Calls()[%s] = %d, want 2", tt.op, got)
			}
		})
	}
}

func TestSetFailNextMisuse(t *testing.T) {
	tests := []struct {
		name string
		op   string
		err  error
	}{
		{"unknown op", "Reboot", errors.New("x")},
		{"nil error", demo.OpCatalog, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("SetFailNext(%q, %v) did not panic", tt.op, tt.err)
				}
			}()
			demo.New(demo.Config{}).SetFailNext(tt.op, tt.err)
		})
	}
}

func TestAddUnmanagedAndRemove(t *testing.T) {
	p := demo.New(demo.Config{ReadyAfter: time.Hour})
	mine := mustCreate(t, p, request("dev-1"))
	theirs := p.AddUnmanaged("billing-db")

	foreign, err := p.GetInstance(t.Context(), theirs)
	if err != nil || !foreign.Ready() || foreign.Labels[providers.LabelManagedBy] != "" {
		t.Errorf("GetInstance(%q) = %+v, %v, want a ready instance without spuff's label", theirs, foreign, err)
	}
	list, err := p.ListInstances(t.Context())
	if err != nil || len(list) != 1 || list[0].ID != mine.ID {
		t.Errorf("ListInstances() = %+v, %v, want only %s", list, err, mine.ID)
	}

	if !p.Remove(mine.ID) {
		t.Errorf("Remove(%q) = false, want true", mine.ID)
	}
	if p.Remove(mine.ID) {
		t.Errorf("Remove(%q) again = true, want false", mine.ID)
	}
	if got, err := p.GetInstance(t.Context(), mine.ID); got != nil || err != nil {
		t.Errorf("GetInstance(%q) after Remove = %+v, %v, want nil, nil", mine.ID, got, err)
	}
}

func TestSnapshots(t *testing.T) {
	p := demo.New(demo.Config{})
	req := request("dev-1")
	req.Image = providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}
	src := mustCreate(t, p, req)
	p.AddUnmanagedSnapshot("their-backup")

	snap, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: src.ID, Name: "before-upgrade"})
	if err != nil {
		t.Fatalf("CreateSnapshot(%q) error = %v", src.ID, err)
	}
	want := providers.Snapshot{
		ID:      snap.ID,
		Name:    "before-upgrade",
		SizeGB:  1.37,
		Created: snap.Created,
		Regions: []string{"demo-eu", "demo-us"},
	}
	if diff := cmp.Diff(want, *snap); diff != "" {
		t.Errorf("CreateSnapshot() mismatch (-want +got):\n%s", diff)
	}
	list, err := p.ListSnapshots(t.Context())
	if err != nil {
		t.Fatalf("ListSnapshots() error = %v", err)
	}
	if diff := cmp.Diff([]providers.Snapshot{want}, list); diff != "" {
		t.Errorf("ListSnapshots() mismatch (-want +got):\n%s", diff)
	}

	// An instance booted from the snapshot, in another region, snapshots
	// to the same size.
	req = providers.InstanceRequest{Name: "dev-2", Region: "demo-us", Size: "medium",
		Image: providers.ImageSpec{Kind: providers.ImageSnapshot, ID: snap.ID}}
	clone := mustCreate(t, p, req)
	again, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: clone.ID, Name: "clone"})
	if err != nil || again.SizeGB != 1.37 {
		t.Errorf("CreateSnapshot(%q) = %+v, %v, want SizeGB 1.37", clone.ID, again, err)
	}
}

func TestCreateSnapshotInvalid(t *testing.T) {
	p := demo.New(demo.Config{})
	in := mustCreate(t, p, request("dev-1"))
	tests := []struct {
		name       string
		instanceID string
		snapName   string
		want       error
	}{
		{"unknown instance", "demo-404", "snap", providers.ErrNotFound},
		{"no name", in.ID, "", providers.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: tt.instanceID, Name: tt.snapName})
			if snap != nil || !errors.Is(err, tt.want) {
				t.Errorf("CreateSnapshot(%q, %q) = %+v, %v, want nil, %v", tt.instanceID, tt.snapName, snap, err, tt.want)
			}
		})
	}
}
