package aws_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestCreateInstanceSameClientTokenLaunchesOnce(t *testing.T) {
	f := newFixture(t)
	req := request("box", "op-retried")
	first := f.create(t, req)
	second := f.create(t, req)
	if second.ID != first.ID {
		t.Errorf("CreateInstance(same op) twice = %s, %s, want the same instance", first.ID, second.ID)
	}
	if got := len(f.emu.Instances()); got != 1 {
		t.Errorf("emulator has %d instances after a retried create, want 1", got)
	}
	if got := f.emu.Calls("RunInstances"); got != 2 {
		t.Errorf("Calls(RunInstances) = %d, want 2 (both with the same ClientToken)", got)
	}
	// Another operation is another instance.
	other := f.create(t, request("box", "op-other"))
	if other.ID == first.ID {
		t.Errorf("CreateInstance(another op) = %s, want a new instance", other.ID)
	}
}

func TestCreateInstanceRetriedAfterParametersChanged(t *testing.T) {
	f := newFixture(t)
	req := request("box", "op-changed")
	first := f.create(t, req)
	// The retry resolves another image: EC2 says IdempotentParameterMismatch,
	// and the instance the first call launched is the answer.
	req.Image = providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}
	second := f.create(t, req)
	if second.ID != first.ID {
		t.Errorf("CreateInstance(same op, other image) = %s, want the first launch %s", second.ID, first.ID)
	}
	if got := len(f.emu.Instances()); got != 1 {
		t.Errorf("emulator has %d instances, want 1", got)
	}
}

func TestCreateInstanceOnTheWire(t *testing.T) {
	f := newFixture(t)
	req := request("dev-box", "op-1")
	req.SSHKeys = []string{"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE alice@laptop"}
	in := f.create(t, req)

	insts := f.emu.Instances()
	if len(insts) != 1 {
		t.Fatalf("emulator instances = %+v, want 1", insts)
	}
	got := insts[0]
	wantTags := map[string]string{"Name": "dev-box", "managed-by": "spuff", "spuff-owner": "U024BE7LH", "spuff-op": "op-1"}
	if diff := cmp.Diff(wantTags, got.Tags); diff != "" {
		t.Errorf("instance tags mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantTags, got.VolumeTags); diff != "" {
		t.Errorf("volume tags mismatch (-want +got):\n%s", diff)
	}
	if got.ClientToken != "op-1/dev-box" {
		t.Errorf("ClientToken = %q, want %q", got.ClientToken, "op-1/dev-box")
	}
	if !strings.HasPrefix(got.UserData, "#cloud-config\n") || !strings.Contains(got.UserData, req.SSHKeys[0]) {
		t.Errorf("user data = %q, want a cloud-config with the SSH key", got.UserData)
	}
	newest := f.emu.OfficialImageID(testRegion, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305")
	if got.ImageID != newest {
		t.Errorf("image = %s, want the newest Ubuntu 24.04 amd64 AMI %s", got.ImageID, newest)
	}
	if len(got.SecurityGroups) != 1 || got.SecurityGroups[0] != spuffGroup(t, f.emu).ID {
		t.Errorf("security groups = %v, want the spuff group", got.SecurityGroups)
	}
	if in.Status != providers.StatusNew || in.Name != "dev-box" || in.Size != "t3.micro" {
		t.Errorf("CreateInstance() = %+v, want a new t3.micro called dev-box", in)
	}
	ready, err := f.p.WaitReady(t.Context(), in.ID)
	if err != nil || !strings.HasPrefix(ready.IP, "203.0.113.") {
		t.Errorf("WaitReady(%s) = %+v, %v, want a public IP", in.ID, ready, err)
	}
}

func TestCreateInstanceImages(t *testing.T) {
	tests := []struct {
		name  string
		image providers.ImageSpec
		want  string // official AMI name, or the AMI id itself for custom ids
	}{
		{"default is ubuntu 24.04", providers.ImageSpec{}, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305"},
		{"ubuntu 22.04", providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "22.04"}, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250228"},
		{"ubuntu without version", providers.ImageSpec{Kind: providers.ImageUbuntu}, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305"},
		{"debian 12", providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}, "debian-12-amd64-20250210-2019"},
		{"debian 11", providers.ImageSpec{Kind: providers.ImageDebian, Version: "11"}, "debian-11-amd64-20250210-2019"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			req := request("box", "op-img")
			req.Image = tt.image
			f.create(t, req)
			want := f.emu.OfficialImageID(testRegion, tt.want)
			if got := f.emu.Instances()[0].ImageID; got != want {
				t.Errorf("CreateInstance(image %v) launched %s, want %s (%s)", tt.image, got, want, tt.want)
			}
		})
	}
}

func TestCreateInstanceFromCustomAMI(t *testing.T) {
	f := newFixture(t)
	src := f.createReady(t, request("src", "op-src"))
	snap, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: src.ID, Name: "golden"})
	if err != nil {
		t.Fatalf("CreateSnapshot() error = %v", err)
	}
	for _, kind := range []providers.ImageKind{providers.ImageSnapshot, providers.ImageCustom} {
		req := request("from-"+string(kind), "op-"+string(kind))
		req.Image = providers.ImageSpec{Kind: kind, ID: snap.ID}
		in := f.create(t, req)
		for _, got := range f.emu.Instances() {
			if got.ID == in.ID && got.ImageID != snap.ID {
				t.Errorf("CreateInstance(%s %s) launched %s, want the AMI as given", kind, snap.ID, got.ImageID)
			}
		}
	}
}

func TestCreateInstanceInvalid(t *testing.T) {
	tests := []struct {
		name  string
		spoil func(*providers.InstanceRequest)
	}{
		{"other region", func(r *providers.InstanceRequest) { r.Region = "eu-west-1" }},
		{"unknown size", func(r *providers.InstanceRequest) { r.Size = "t3.gigantic" }},
		{"no size", func(r *providers.InstanceRequest) { r.Size = "" }},
		{"unknown image kind", func(r *providers.InstanceRequest) { r.Image = providers.ImageSpec{Kind: "arch"} }},
		{"unknown ubuntu", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "4.10"}
		}},
		{"pattern as version", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageDebian, Version: "*"}
		}},
		{"unknown AMI", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageCustom, ID: "ami-0123456789abcdef0"}
		}},
		{"malformed AMI", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageCustom, ID: "ubuntu"}
		}},
		{"custom without id", func(r *providers.InstanceRequest) { r.Image = providers.ImageSpec{Kind: providers.ImageCustom} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			req := request("box", "op-bad")
			tt.spoil(&req)
			in, err := f.p.CreateInstance(t.Context(), req)
			if !errors.Is(err, providers.ErrInvalid) {
				t.Errorf("CreateInstance(%s) = %+v, %v, want ErrInvalid", tt.name, in, err)
			}
			if n := len(f.emu.Instances()); n != 0 {
				t.Errorf("emulator has %d instances after a refused create, want 0", n)
			}
		})
	}
}

// spuffGroup returns the spuff security group of the test region.
func spuffGroup(t *testing.T, emu *providertest.EC2) providertest.EC2SecurityGroup {
	t.Helper()
	for _, g := range emu.SecurityGroups() {
		if g.Name == aws.SecurityGroupName && g.Region == testRegion {
			return g
		}
	}
	t.Fatalf("no %q security group in %v", aws.SecurityGroupName, emu.SecurityGroups())
	return providertest.EC2SecurityGroup{}
}
