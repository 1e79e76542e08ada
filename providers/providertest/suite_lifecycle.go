package providertest

import (
	"net/netip"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/spuffbot/spuffbot/providers"
)

// suiteCatalog checks that the catalog is complete and consistent enough
// to validate requests and estimate costs.
func suiteCatalog(t *testing.T, f *suiteFixture) {
	cat, err := f.p.Catalog(f.ctx)
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	if len(cat.Sizes) == 0 || len(cat.Regions) == 0 {
		t.Fatalf("Catalog() has %d sizes and %d regions, want some of each", len(cat.Sizes), len(cat.Regions))
	}
	regions := make(map[string]bool)
	for _, r := range cat.Regions {
		if r.Slug == "" || regions[r.Slug] {
			t.Errorf("Catalog() region %+v: want a unique, non-empty slug", r)
		}
		regions[r.Slug] = true
	}
	seen := make(map[string]bool)
	for _, s := range cat.Sizes {
		if s.Slug == "" || seen[s.Slug] {
			t.Errorf("Catalog() size %+v: want a unique, non-empty slug", s)
		}
		seen[s.Slug] = true
		if s.Available && (s.VCPUs <= 0 || s.MemoryMB <= 0 || s.PriceHourly <= 0) {
			t.Errorf("Catalog() size %q = %+v, want vCPUs, memory and an hourly price", s.Slug, s)
		}
		for _, r := range s.Regions {
			if !regions[r] {
				t.Errorf("Catalog() size %q is offered in region %q, which the catalog does not list", s.Slug, r)
			}
		}
	}
	if cat.SnapshotMonthlyPerGB < 0 {
		t.Errorf("Catalog().SnapshotMonthlyPerGB = %v, want >= 0", cat.SnapshotMonthlyPerGB)
	}
}

// suiteLifecycle walks one instance through create, WaitReady, Get, List
// and destroy.
func suiteLifecycle(t *testing.T, f *suiteFixture) {
	const name = "spuff-ct-lifecycle"
	created := f.create(name)
	want := providers.Instance{ID: created.ID, Name: name, Region: f.region, Size: f.size}
	if diff := cmp.Diff(want, suiteIdentity(created)); diff != "" {
		t.Errorf("CreateInstance(%q) mismatch (-want +got):\n%s", name, diff)
	}
	suiteCheckLabels(t, "CreateInstance()", created)

	ready := f.waitReady(created.ID)
	if diff := cmp.Diff(want, suiteIdentity(ready)); diff != "" {
		t.Errorf("WaitReady(%q) mismatch (-want +got):\n%s", created.ID, diff)
	}
	suiteCheckLabels(t, "WaitReady()", ready)
	if ip, err := netip.ParseAddr(ready.IP); err != nil || !ip.Is4() {
		t.Errorf("WaitReady(%q).IP = %q, want an IPv4 address", created.ID, ready.IP)
	}
	if ready.Created.IsZero() {
		t.Errorf("WaitReady(%q).Created is zero, want the creation time", created.ID)
	}

	got, err := f.p.GetInstance(f.ctx, created.ID)
	if err != nil || got == nil {
		t.Fatalf("GetInstance(%q) = %+v, %v, want the instance", created.ID, got, err)
	}
	if diff := cmp.Diff(ready, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("GetInstance(%q) differs from WaitReady (-wait +get):\n%s", created.ID, diff)
	}

	list := f.list()
	if diff := cmp.Diff([]providers.Instance{*ready}, list, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListInstances() differs from WaitReady (-wait +list):\n%s", diff)
	}

	for i := range 2 {
		if err := f.p.DestroyInstance(f.ctx, created.ID); err != nil {
			t.Fatalf("DestroyInstance(%q) #%d error = %v, want nil", created.ID, i+1, err)
		}
	}
	got, err = f.p.GetInstance(f.ctx, created.ID)
	if got != nil || err != nil {
		t.Errorf("GetInstance(%q) after destroy = %+v, %v, want nil, nil", created.ID, got, err)
	}
	if ids := f.listIDs(); len(ids) != 0 {
		t.Errorf("ListInstances() after destroy = %v, want none", ids)
	}
}

// suiteListShowsOnlyManaged checks that ListInstances leaves out instances
// that spuff did not create.
func suiteListShowsOnlyManaged(t *testing.T, f *suiteFixture) {
	if f.target.AddUnmanaged == nil {
		t.Skip("Target.AddUnmanaged is nil")
	}
	created := f.create("spuff-ct-managed")
	f.target.AddUnmanaged(t)
	if diff := cmp.Diff([]string{created.ID}, f.listIDs()); diff != "" {
		t.Errorf("ListInstances() ids mismatch (-want +got):\n%s", diff)
	}
}

// snapshotOwner is the owner suiteSnapshots records on its snapshot: a
// Slack user id, as spuffbot records.
const snapshotOwner = "U0CTOWNER1"

// suiteSnapshots snapshots a ready instance with an owner, lists the
// snapshot with that owner and deletes it twice.
func suiteSnapshots(t *testing.T, f *suiteFixture) {
	const name = "spuff-ct-snapshot"
	in := f.create("spuff-ct-snapshot-source")
	f.waitReady(in.ID)

	req := providers.SnapshotRequest{InstanceID: in.ID, Name: name,
		Labels: map[string]string{providers.LabelOwner: snapshotOwner, providers.LabelOp: "op-ct-snapshot"}}
	snap, err := f.p.CreateSnapshot(f.ctx, req)
	if err != nil {
		t.Fatalf("CreateSnapshot(%+v) error = %v", req, err)
	}
	if snap == nil || snap.ID == "" || snap.Name != name || snap.Owner != snapshotOwner {
		t.Fatalf("CreateSnapshot(%+v) = %+v, want a snapshot with an id, name %q and owner %q", req, snap, name, snapshotOwner)
	}
	f.deleteSnapshotAtEnd(snap.ID)

	want := []providers.Snapshot{{ID: snap.ID, Name: name, Owner: snapshotOwner}}
	if diff := cmp.Diff(want, f.listSnapshots(), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ListSnapshots() mismatch (-want +got):\n%s", diff)
	}

	for i := range 2 {
		if err := f.p.DeleteSnapshot(f.ctx, snap.ID); err != nil {
			t.Fatalf("DeleteSnapshot(%q) #%d error = %v, want nil", snap.ID, i+1, err)
		}
	}
	if got := f.listSnapshots(); len(got) != 0 {
		t.Errorf("ListSnapshots() after delete = %+v, want none", got)
	}
}

// suiteIdentity returns the fields of in that never change after creation
// and that every provider reports.
func suiteIdentity(in *providers.Instance) providers.Instance {
	return providers.Instance{ID: in.ID, Name: in.Name, Region: in.Region, Size: in.Size}
}

// suiteCheckLabels checks that in carries every label the suite asked for,
// and managed-by=spuff.
func suiteCheckLabels(t *testing.T, call string, in *providers.Instance) {
	t.Helper()
	for k, v := range suiteLabels() {
		if in.Labels[k] != v {
			t.Errorf("%s labels = %v, want them to include %s=%s", call, in.Labels, k, v)
		}
	}
}
