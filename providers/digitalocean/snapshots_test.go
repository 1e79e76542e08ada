package digitalocean

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

// readyDroplet creates a droplet through p and waits for it.
func readyDroplet(t *testing.T, p *Provider, name string) string {
	t.Helper()
	in, err := p.CreateInstance(t.Context(), validRequest(name))
	if err != nil {
		t.Fatalf("CreateInstance(%q) error = %v", name, err)
	}
	if _, err := p.WaitReady(t.Context(), in.ID); err != nil {
		t.Fatalf("WaitReady(%q) error = %v", in.ID, err)
	}
	return in.ID
}

func TestCreateSnapshotWaitsForAction(t *testing.T) {
	p, emu := newTestProvider(t)
	id := readyDroplet(t, p, "src")
	emu.SetActionAfter(20 * time.Millisecond)
	snap, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: id, Name: "nightly"})
	if err != nil {
		t.Fatalf("CreateSnapshot(%q, nightly) error = %v", id, err)
	}
	if snap.Name != "spuff-nightly" || snap.ID == "" || snap.SizeGB <= 0 || snap.Created.IsZero() {
		t.Errorf("CreateSnapshot() = %+v, want spuff-nightly with an id, size and creation time", snap)
	}
	if diff := cmp.Diff([]string{"nyc3"}, snap.Regions); diff != "" {
		t.Errorf("CreateSnapshot().Regions mismatch (-want +got):\n%s", diff)
	}
	if n := emu.Calls("GET /v2/actions/{id}"); n < 1 {
		t.Errorf("Calls(GET /v2/actions/{id}) = %d, want the action polled", n)
	}
	if n := emu.Calls("POST /v2/droplets/{id}/actions"); n != 1 {
		t.Errorf("Calls(POST /v2/droplets/{id}/actions) = %d, want 1", n)
	}
}

func TestCreateSnapshotActionErrored(t *testing.T) {
	p, emu := newTestProvider(t)
	id := readyDroplet(t, p, "src")
	emu.FailActions(1)
	snap, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: id, Name: "doomed"})
	if err == nil || snap != nil {
		t.Fatalf("CreateSnapshot() = %+v, %v, want an error for the errored action", snap, err)
	}
	if !errors.Is(err, providers.ErrFailed) {
		t.Errorf("CreateSnapshot() error = %v, want errors.Is(err, providers.ErrFailed): the cloud's failure", err)
	}
	if got := emu.Snapshots(); len(got) != 0 {
		t.Errorf("snapshots = %+v, want none", got)
	}
}

func TestCreateSnapshotOfGoneDroplet(t *testing.T) {
	p, _ := newTestProvider(t)
	if _, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: "424242", Name: "x"}); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("CreateSnapshot(gone droplet) error = %v, want ErrNotFound", err)
	}
}

func TestListSnapshotsOnlySpuffs(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.PageSize = 2 })
	want := []string{
		emu.AddSnapshot("spuff-a"),
		emu.AddSnapshot("tagged-by-spuff", "spuff"),
		emu.AddSnapshot("spuff-b"),
	}
	emu.AddSnapshot("prod-db-backup")
	emu.AddSnapshot("spuffy-but-not-ours", "team:web")
	emu.SetPageSize(2)
	list, err := p.ListSnapshots(t.Context())
	if err != nil {
		t.Fatalf("ListSnapshots() error = %v", err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.ID)
	}
	slices.Sort(got)
	slices.Sort(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSnapshots() ids mismatch (-want +got):\n%s", diff)
	}
	if n := emu.Calls("GET /v2/snapshots"); n != 3 {
		t.Errorf("Calls(GET /v2/snapshots) = %d, want 3 pages of 2", n)
	}
}

func TestDeleteSnapshotRefusesForeign(t *testing.T) {
	p, emu := newTestProvider(t)
	foreign := emu.AddSnapshot("prod-db-backup")
	if err := p.DeleteSnapshot(t.Context(), foreign); !errors.Is(err, providers.ErrNotManaged) {
		t.Fatalf("DeleteSnapshot(foreign) error = %v, want ErrNotManaged", err)
	}
	ours := emu.AddSnapshot("spuff-mine")
	for i := range 2 {
		if err := p.DeleteSnapshot(t.Context(), ours); err != nil {
			t.Fatalf("DeleteSnapshot(%q) #%d error = %v", ours, i+1, err)
		}
	}
	got := emu.Snapshots()
	if len(got) != 1 || got[0].ID != foreign {
		t.Errorf("snapshots after deletes = %+v, want only %s", got, foreign)
	}
}

func TestSnapshotName(t *testing.T) {
	now := time.Unix(1700000000, 0)
	tests := []struct{ name, instance, want string }{
		{"nightly", "42", "spuff-nightly"},
		{"spuff-ct-snapshot", "42", "spuff-ct-snapshot"},
		{"  ", "42", "spuff-42-" + strconv.FormatInt(now.Unix(), 10)},
	}
	for _, tt := range tests {
		if got := snapshotName(tt.name, tt.instance, now); got != tt.want {
			t.Errorf("snapshotName(%q, %q) = %q, want %q", tt.name, tt.instance, got, tt.want)
		}
	}
}

// TestCreateSnapshotTagsOwner checks that the snapshot image is tagged
// after its action with spuff's tag and the request's labels, so that
// ListSnapshots reads the owner back; and that a snapshot whose tagging
// the cloud refuses is still returned, without an owner.
func TestCreateSnapshotTagsOwner(t *testing.T) {
	p, emu := newTestProvider(t)
	id := readyDroplet(t, p, "src")
	req := providers.SnapshotRequest{InstanceID: id, Name: "owned",
		Labels: map[string]string{providers.LabelOwner: "U0ALICE", providers.LabelOp: "op-1"}}
	snap, err := p.CreateSnapshot(t.Context(), req)
	if err != nil || snap.Owner != "U0ALICE" {
		t.Fatalf("CreateSnapshot(%+v) = %+v, %v, want owner U0ALICE", req, snap, err)
	}
	list, err := p.ListSnapshots(t.Context())
	if err != nil || len(list) != 1 || list[0].Owner != "U0ALICE" {
		t.Errorf("ListSnapshots() = %+v, %v, want the snapshot owned by U0ALICE", list, err)
	}
	if n := emu.Calls("POST /v2/tags/{tag}/resources"); n != 3 {
		t.Errorf("Calls(POST /v2/tags/{tag}/resources) = %d, want 3 (spuff, spuff-op, spuff-owner)", n)
	}

	emu.FailNextOn("POST /v2/tags/{tag}/resources", 1, providertest.Fault{Status: http.StatusForbidden})
	req.Name = "untagged"
	snap, err = p.CreateSnapshot(t.Context(), req)
	if err != nil || snap.Name != "spuff-untagged" || snap.Owner != "" {
		t.Errorf("CreateSnapshot with tagging refused = %+v, %v, want the snapshot without an owner", snap, err)
	}
}
