package hetzner

import (
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
)

// System image ids the emulator serves.
const (
	ubuntu2404 = 161547269
	debian12   = 114690387
)

func TestCreateInstanceSends(t *testing.T) {
	emu := newEmulator(t)
	snapID := emu.AddSnapshot("golden", map[string]string{"managed-by": "spuff"})
	tests := []struct {
		name string
		req  providers.InstanceRequest
		want providertest.HetznerServer
	}{
		{
			name: "defaults to ubuntu 24.04",
			req:  providers.InstanceRequest{Name: "dev-1", Size: "cx22", Region: "nbg1", UserData: "#!/bin/sh\necho hi\n"},
			want: providertest.HetznerServer{Name: "dev-1", ServerType: "cx22", Location: "nbg1", Image: ubuntu2404,
				UserData: "#!/bin/sh\necho hi\n", Labels: map[string]string{"managed-by": "spuff"}},
		},
		{
			name: "debian 12, labels sanitised",
			req: providers.InstanceRequest{Name: "Dev Box_2", Size: "cpx11", Region: "ash",
				Image: providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"},
				Labels: map[string]string{
					providers.LabelOwner: "U024BE7LH", providers.LabelOp: "op:2024/05 #7",
					"managed-by": "someone-else", "-team-": "_web_",
				}},
			want: providertest.HetznerServer{Name: "dev-box-2", ServerType: "cpx11", Location: "ash", Image: debian12,
				Labels: map[string]string{"managed-by": "spuff", "spuff-owner": "U024BE7LH", "spuff-op": "op-2024-05--7", "team": "web"}},
		},
		{
			name: "snapshot by id, ssh keys through cloud-config",
			req: providers.InstanceRequest{Name: "from-snap", Size: "cx22", Region: "hel1",
				Image:   providers.ImageSpec{Kind: providers.ImageSnapshot, ID: strconv.FormatInt(snapID, 10)},
				SSHKeys: []string{"ssh-ed25519 AAAAC3Nza alice@laptop\n"}},
			want: providertest.HetznerServer{Name: "from-snap", ServerType: "cx22", Location: "hel1", Image: snapID,
				UserData: "#cloud-config\nssh_authorized_keys:\n  - \"ssh-ed25519 AAAAC3Nza alice@laptop\"\n",
				Labels:   map[string]string{"managed-by": "spuff"}},
		},
		{
			name: "custom image by id",
			req: providers.InstanceRequest{Name: "custom", Size: "cx22", Region: "fsn1",
				Image: providers.ImageSpec{Kind: providers.ImageCustom, ID: strconv.Itoa(debian12)}},
			want: providertest.HetznerServer{Name: "custom", ServerType: "cx22", Location: "fsn1", Image: debian12,
				Labels: map[string]string{"managed-by": "spuff"}},
		},
	}
	p := newProvider(t, emu)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := p.CreateInstance(t.Context(), tt.req)
			if err != nil {
				t.Fatalf("CreateInstance(%+v) error = %v", tt.req, err)
			}
			id, _ := strconv.ParseInt(in.ID, 10, 64)
			got, ok := emu.Server(id)
			if !ok {
				t.Fatalf("emulator has no server %s", in.ID)
			}
			ip := got.IPv4
			got.ID, got.Status, got.IPv4, got.Created = 0, "", "", time.Time{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CreateInstance(%+v) sent (-want +got):\n%s", tt.req, diff)
			}
			// Hetzner assigns the primary IPv4 at create and says so in its
			// answer; the VM is not ready until it runs.
			if in.Status != providers.StatusNew || in.IP == "" || in.IP != ip || in.Ready() {
				t.Errorf("CreateInstance() = %+v, want status new with the IP the emulator assigned (%q), not ready", in, ip)
			}
		})
	}
}

func TestListInstancesPaginates(t *testing.T) {
	emu := newEmulator(t)
	emu.SetPageSize(2)
	p := newProvider(t, emu)
	var want []string
	for i := range 5 {
		in, err := p.CreateInstance(t.Context(), validRequest(fmt.Sprintf("dev-%d", i)))
		if err != nil {
			t.Fatalf("CreateInstance(dev-%d) error = %v", i, err)
		}
		want = append(want, in.ID)
		emu.AddServer(fmt.Sprintf("foreign-%d", i), map[string]string{"managed-by": "terraform"})
	}
	emu.ResetCalls()
	list, err := p.ListInstances(t.Context())
	if err != nil {
		t.Fatalf("ListInstances() error = %v", err)
	}
	var got []string
	for _, in := range list {
		got = append(got, in.ID)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListInstances() ids (-want +got):\n%s", diff)
	}
	if n := emu.Calls("GET /v1/servers"); n != 3 {
		t.Errorf("GET /v1/servers calls = %d, want 3 pages of at most 2", n)
	}
}

func TestDestroyInstanceLeavesForeignServers(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu)
	id := emu.AddServer("prod-db", map[string]string{"role": "db"})
	err := p.DestroyInstance(t.Context(), strconv.FormatInt(id, 10))
	if !errors.Is(err, providers.ErrNotManaged) {
		t.Errorf("DestroyInstance(foreign) error = %v, want ErrNotManaged", err)
	}
	if _, ok := emu.Server(id); !ok {
		t.Errorf("DestroyInstance(foreign) deleted server %d", id)
	}
	if n := emu.Calls("DELETE /v1/servers/{id}"); n != 0 {
		t.Errorf("DELETE /v1/servers/{id} calls = %d, want 0", n)
	}
}

func TestUnknownIDs(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu)
	for _, id := range []string{"", "abc", "-3", "0", "987654321"} {
		t.Run(strconv.Quote(id), func(t *testing.T) {
			if in, err := p.GetInstance(t.Context(), id); in != nil || err != nil {
				t.Errorf("GetInstance(%q) = %+v, %v, want nil, nil", id, in, err)
			}
			if err := p.DestroyInstance(t.Context(), id); err != nil {
				t.Errorf("DestroyInstance(%q) = %v, want nil", id, err)
			}
			if _, err := p.WaitReady(t.Context(), id); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("WaitReady(%q) error = %v, want ErrNotFound", id, err)
			}
			if _, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: id, Name: "s"}); !errors.Is(err, providers.ErrNotFound) {
				t.Errorf("CreateSnapshot(%q) error = %v, want ErrNotFound", id, err)
			}
			if err := p.DeleteSnapshot(t.Context(), id); err != nil {
				t.Errorf("DeleteSnapshot(%q) = %v, want nil", id, err)
			}
		})
	}
}

func TestWaitReadyPollsUntilRunning(t *testing.T) {
	emu := newEmulator(t)
	emu.SetReadyAfter(20 * time.Millisecond)
	p := newProvider(t, emu)
	in, err := p.CreateInstance(t.Context(), validRequest("slow"))
	if err != nil {
		t.Fatal(err)
	}
	ready, err := p.WaitReady(t.Context(), in.ID)
	if err != nil || !ready.Ready() {
		t.Fatalf("WaitReady(%q) = %+v, %v, want a ready instance", in.ID, ready, err)
	}
	if n := emu.Calls("GET /v1/servers/{id}"); n < 2 {
		t.Errorf("GET /v1/servers/{id} calls = %d, want at least 2 (polled while initializing)", n)
	}
}

func TestWaitReadyRidesOutRateLimits(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu, func(c *Config) { c.MaxRetries = -1 })
	in, err := p.CreateInstance(t.Context(), validRequest("limited"))
	if err != nil {
		t.Fatal(err)
	}
	// The bucket refills at once: WaitReady keeps its own short interval.
	now := strconv.FormatInt(time.Now().Unix(), 10)
	emu.FailNext(2, providertest.Fault{Status: 429, Headers: map[string]string{"RateLimit-Reset": now}})
	ready, err := p.WaitReady(t.Context(), in.ID)
	if err != nil || !ready.Ready() {
		t.Fatalf("WaitReady(%q) through two 429s = %+v, %v, want a ready instance", in.ID, ready, err)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		in   hcloud.ServerStatus
		want providers.Status
	}{
		{hcloud.ServerStatusInitializing, providers.StatusNew},
		{hcloud.ServerStatusStarting, providers.StatusNew},
		{hcloud.ServerStatusRunning, providers.StatusActive},
		{hcloud.ServerStatusOff, providers.StatusOff},
		{hcloud.ServerStatusStopping, providers.StatusOff},
		{hcloud.ServerStatusDeleting, providers.StatusUnknown},
		{"brand-new-state", providers.StatusUnknown},
	}
	for _, tt := range tests {
		if got := status(tt.in); got != tt.want {
			t.Errorf("status(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkListInstances(b *testing.B) {
	emu := providertest.NewHetzner()
	defer emu.Close()
	for i := range 120 {
		emu.AddServer(fmt.Sprintf("dev-%d", i), map[string]string{"managed-by": "spuff"})
	}
	p, err := New(Config{Token: secret.New(testToken), BaseURL: emu.Endpoint()})
	if err != nil {
		b.Fatal(err)
	}
	emu.ResetCalls()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.ListInstances(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(emu.TotalCalls())/float64(b.N), "calls/op")
}
