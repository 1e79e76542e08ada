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
	"github.com/spuffbot/spuffbot/secret"
)

func TestCreateWithUnknownOutcomeIsNotDuplicated(t *testing.T) {
	tests := []struct {
		name      string
		fault     providertest.Fault
		wantPosts int // POST /v2/droplets calls
	}{
		{"500 after serving", providertest.Fault{Status: 500, AfterServe: true}, 1},
		{"504 after serving", providertest.Fault{Status: 504, AfterServe: true}, 1},
		{"reply lost, client times out", providertest.Fault{Delay: time.Minute, AfterServe: true}, 1},
		{"500 before serving", providertest.Fault{Status: 500}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, emu := newTestProvider(t, func(c *Config) { c.HTTPClient = &http.Client{Timeout: 200 * time.Millisecond} })
			emu.FailNext(1, tt.fault)
			in, err := p.CreateInstance(t.Context(), validRequest("flaky"))
			if err != nil {
				t.Fatalf("CreateInstance() error = %v, want the droplet", err)
			}
			droplets := emu.Droplets()
			if len(droplets) != 1 {
				t.Fatalf("droplets after CreateInstance() = %+v, want exactly 1", droplets)
			}
			if in.ID != strconv.Itoa(droplets[0].ID) {
				t.Errorf("CreateInstance().ID = %q, want %d", in.ID, droplets[0].ID)
			}
			if got := emu.Calls("POST /v2/droplets"); got != tt.wantPosts {
				t.Errorf("Calls(POST /v2/droplets) = %d, want %d", got, tt.wantPosts)
			}
			if got := emu.Calls("GET /v2/droplets"); got != 1 {
				t.Errorf("Calls(GET /v2/droplets) = %d, want 1 lookup by the spuff-op tag", got)
			}
		})
	}
}

func TestCreateWithUnknownOutcomeAndNoOpLabelIsNotRetried(t *testing.T) {
	p, emu := newTestProvider(t)
	emu.FailNext(1, providertest.Fault{Status: 500, AfterServe: true})
	req := validRequest("no-op")
	delete(req.Labels, providers.LabelOp)
	if _, err := p.CreateInstance(t.Context(), req); err == nil {
		t.Fatal("CreateInstance() error = nil, want the server error")
	}
	if got := emu.Calls("POST /v2/droplets"); got != 1 {
		t.Errorf("Calls(POST /v2/droplets) = %d, want 1: nothing to look the outcome up by", got)
	}
}

func TestCreateSendsTagsImageAndUserData(t *testing.T) {
	p, emu := newTestProvider(t)
	req := validRequest("dev box_1")
	req.Labels[providers.LabelOwner] = "U 1/é"
	req.Image = providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}
	req.UserData = "#cloud-config\npackages: [git]\n"
	in, err := p.CreateInstance(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateInstance() error = %v", err)
	}
	id, _ := strconv.Atoi(in.ID)
	d, ok := emu.Droplet(id)
	if !ok {
		t.Fatalf("emulator has no droplet %s", in.ID)
	}
	want := providertest.DigitalOceanDroplet{
		ID: id, Name: "dev-box-1", Status: d.Status, Region: "nyc3", Size: "s-1vcpu-1gb", Image: "debian-12-x64",
		UserData: req.UserData, Tags: []string{"spuff", "spuff-op:op-dev_box_1", "spuff-owner:U_1__"},
		Created: d.Created,
	}
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("droplet mismatch (-want +got):\n%s", diff)
	}
	wantLabels := map[string]string{
		providers.LabelManagedBy: providers.ManagedByValue, providers.LabelOwner: "U_1__", providers.LabelOp: "op-dev_box_1",
	}
	if diff := cmp.Diff(wantLabels, in.Labels); diff != "" {
		t.Errorf("CreateInstance().Labels mismatch (-want +got):\n%s", diff)
	}
}

func TestCreateFromSnapshot(t *testing.T) {
	p, emu := newTestProvider(t)
	snap := emu.AddSnapshot("spuff-golden")
	req := validRequest("from-snap")
	req.Image = providers.ImageSpec{Kind: providers.ImageSnapshot, ID: snap}
	in, err := p.CreateInstance(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateInstance(snapshot %s) error = %v", snap, err)
	}
	id, _ := strconv.Atoi(in.ID)
	if d, _ := emu.Droplet(id); d.Image != snap {
		t.Errorf("droplet image = %q, want snapshot %q", d.Image, snap)
	}
}

func TestListInstancesPaginates(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.PageSize = 2 })
	var want []string
	for i := range 5 {
		want = append(want, strconv.Itoa(emu.AddDroplet("managed-"+strconv.Itoa(i), "spuff", "spuff-owner:U1")))
		emu.AddDroplet("foreign-" + strconv.Itoa(i))
	}
	emu.SetPageSize(2)
	list, err := p.ListInstances(t.Context())
	if err != nil {
		t.Fatalf("ListInstances() error = %v", err)
	}
	var got []string
	for _, in := range list {
		got = append(got, in.ID)
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListInstances() ids mismatch (-want +got):\n%s", diff)
	}
	if n := emu.Calls("GET /v2/droplets"); n != 3 {
		t.Errorf("Calls(GET /v2/droplets) = %d, want 3 pages of 2", n)
	}
}

func TestWaitReadyPollsUntilActive(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.MaxRetries = -1 })
	emu.SetReadyAfter(30 * time.Millisecond)
	in, err := p.CreateInstance(t.Context(), validRequest("slow"))
	if err != nil {
		t.Fatalf("CreateInstance() error = %v", err)
	}
	// Without retries, poll failures must be waited out by WaitReady itself.
	emu.FailNext(1, providertest.Fault{Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "0"}})
	emu.FailNext(1, providertest.Fault{Status: http.StatusServiceUnavailable})
	ready, err := p.WaitReady(t.Context(), in.ID)
	if err != nil {
		t.Fatalf("WaitReady() error = %v", err)
	}
	if !ready.Ready() || ready.IP == "" {
		t.Errorf("WaitReady() = %+v, want active with an IP", ready)
	}
	if n := emu.Calls("GET /v2/droplets/{id}"); n < 3 {
		t.Errorf("Calls(GET /v2/droplets/{id}) = %d, want at least 3 (two failures, then polls)", n)
	}
}

func TestWaitReadyStopsOnAuthError(t *testing.T) {
	p, emu := newTestProvider(t)
	emu.SetReadyAfter(time.Hour)
	in, err := p.CreateInstance(t.Context(), validRequest("booting"))
	if err != nil {
		t.Fatalf("CreateInstance() error = %v", err)
	}
	emu.RequireToken("rotated")
	if _, err := p.WaitReady(t.Context(), in.ID); !errors.Is(err, providers.ErrAuth) {
		t.Fatalf("WaitReady() after the token was revoked error = %v, want ErrAuth", err)
	}
}

func TestDestroyRefusesUnmanaged(t *testing.T) {
	p, emu := newTestProvider(t)
	id := emu.AddDroplet("someone-elses")
	err := p.DestroyInstance(t.Context(), strconv.Itoa(id))
	if !errors.Is(err, providers.ErrNotManaged) {
		t.Fatalf("DestroyInstance(unmanaged) error = %v, want ErrNotManaged", err)
	}
	if _, ok := emu.Droplet(id); !ok {
		t.Error("the unmanaged droplet was deleted")
	}
	if n := emu.Calls("DELETE /v2/droplets/{id}"); n != 0 {
		t.Errorf("Calls(DELETE /v2/droplets/{id}) = %d, want 0", n)
	}
}

func TestNonNumericIDs(t *testing.T) {
	p, emu := newTestProvider(t)
	if in, err := p.GetInstance(t.Context(), "i-0abc"); in != nil || err != nil {
		t.Errorf("GetInstance(%q) = %+v, %v, want nil, nil", "i-0abc", in, err)
	}
	if err := p.DestroyInstance(t.Context(), "i-0abc"); err != nil {
		t.Errorf("DestroyInstance(%q) = %v, want nil", "i-0abc", err)
	}
	if err := p.DeleteSnapshot(t.Context(), "snap-1"); err != nil {
		t.Errorf("DeleteSnapshot(%q) = %v, want nil", "snap-1", err)
	}
	if _, err := p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: "i-0abc", Name: "x"}); !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("CreateSnapshot(%q) error = %v, want ErrNotFound", "i-0abc", err)
	}
	if n := emu.TotalCalls(); n != 0 {
		t.Errorf("TotalCalls() = %d, want 0 for ids that cannot exist", n)
	}
}

// BenchmarkListInstances lists 450 droplets (three pages of the API's
// maximum) and reports the API calls per list.
func BenchmarkListInstances(b *testing.B) {
	emu := providertest.NewDigitalOcean()
	defer emu.Close()
	for i := range 450 {
		emu.AddDroplet("d"+strconv.Itoa(i), "spuff", "spuff-owner:U1", "spuff-op:op-"+strconv.Itoa(i))
	}
	p, err := New(Config{Token: secret.New(testToken), BaseURL: emu.URL})
	if err != nil {
		b.Fatal(err)
	}
	n := 0
	for b.Loop() {
		list, err := p.ListInstances(b.Context())
		if err != nil || len(list) != 450 {
			b.Fatalf("ListInstances() = %d instances, %v, want 450", len(list), err)
		}
		n++
	}
	b.ReportMetric(float64(emu.Calls("GET /v2/droplets"))/float64(n), "calls/op")
}
