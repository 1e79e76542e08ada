package hetzner

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestCreateSnapshotWaitsForAction(t *testing.T) {
	emu := newEmulator(t)
	emu.SetReadyAfter(10 * time.Millisecond)
	p := newProvider(t, emu)
	in, err := p.CreateInstance(t.Context(), validRequest("source"))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "before upgrade"})
	if err != nil {
		t.Fatalf("CreateSnapshot(%q) error = %v", in.ID, err)
	}
	if snap.Name != "before upgrade" || snap.SizeGB <= 0 || snap.Created.IsZero() {
		t.Errorf("CreateSnapshot() = %+v, want the name, a size and a creation time", snap)
	}
	if n := emu.Calls("GET /v1/actions"); n < 1 {
		t.Errorf("GET /v1/actions calls = %d, want the action polled", n)
	}
	got := emu.Snapshots()
	want := []providertest.HetznerImage{{
		Type: "snapshot", Status: "available", Description: "before upgrade",
		Labels: map[string]string{"managed-by": "spuff"},
	}}
	for i := range got {
		got[i].ID, got[i].CreatedFrom, got[i].Created = 0, 0, time.Time{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("emulator snapshots after CreateSnapshot (-want +got):\n%s", diff)
	}
}

func TestSnapshotsOnlySpuffs(t *testing.T) {
	emu := newEmulator(t)
	emu.SetPageSize(1)
	p := newProvider(t, emu)
	foreign := emu.AddSnapshot("someone's backup", map[string]string{"team": "web"})
	mine := []int64{
		emu.AddSnapshot("spuff one", map[string]string{"managed-by": "spuff"}),
		emu.AddSnapshot("spuff two", map[string]string{"managed-by": "spuff"}),
	}

	list, err := p.ListSnapshots(t.Context())
	if err != nil {
		t.Fatalf("ListSnapshots() error = %v", err)
	}
	var got []string
	for _, s := range list {
		got = append(got, s.ID+" "+s.Name)
	}
	want := []string{strconv.FormatInt(mine[0], 10) + " spuff one", strconv.FormatInt(mine[1], 10) + " spuff two"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSnapshots() (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		id   int64
		want error
	}{
		{"someone else's snapshot", foreign, providers.ErrNotManaged},
		{"a system image", ubuntu2404, providers.ErrNotManaged},
		{"spuff's", mine[0], nil},
		{"spuff's again", mine[0], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.DeleteSnapshot(t.Context(), strconv.FormatInt(tt.id, 10))
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("DeleteSnapshot(%d) error = %v, want %v", tt.id, err, tt.want)
			}
		})
	}
	if n := len(emu.Snapshots()); n != 2 {
		t.Errorf("emulator holds %d snapshots, want 2 (foreign and spuff two)", n)
	}
}
