package aws_test

import (
	"errors"
	"fmt"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
)

func TestSnapshotTagsAndSize(t *testing.T) {
	f := newFixture(t)
	in := f.createReady(t, request("box", "op-1"))
	snap, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "before upgrade!"})
	if err != nil {
		t.Fatalf("CreateSnapshot() error = %v", err)
	}
	if snap.Name != "before upgrade_" || snap.SizeGB != 8 || len(snap.Regions) != 1 || snap.Regions[0] != testRegion {
		t.Errorf("CreateSnapshot() = %+v, want name %q, 8 GB in %s", snap, "before upgrade_", testRegion)
	}
	images := f.emu.Images()
	if len(images) != 1 || images[0].State != "available" || images[0].Name != "before upgrade-" {
		t.Fatalf("emulator AMIs = %+v, want one available AMI named %q", images, "before upgrade-")
	}
	wantTags := map[string]string{"Name": "before upgrade_", "managed-by": "spuff", "spuff-instance": in.ID}
	if diff := cmp.Diff(wantTags, images[0].Tags); diff != "" {
		t.Errorf("AMI tags mismatch (-want +got):\n%s", diff)
	}
	snaps := f.emu.Snapshots()
	if len(snaps) != 1 || !cmp.Equal(wantTags, snaps[0].Tags) {
		t.Errorf("EBS snapshots = %+v, want one with tags %v", snaps, wantTags)
	}
}

func TestDeleteSnapshotRemovesAMIAndEBSSnapshots(t *testing.T) {
	f := newFixture(t)
	in := f.createReady(t, request("box", "op-1"))
	snap, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "keep"})
	if err != nil {
		t.Fatalf("CreateSnapshot() error = %v", err)
	}
	if n := len(f.emu.Snapshots()); n != 1 {
		t.Fatalf("EBS snapshots after CreateSnapshot = %d, want 1", n)
	}
	for i := range 2 {
		if err := f.p.DeleteSnapshot(t.Context(), snap.ID); err != nil {
			t.Fatalf("DeleteSnapshot(%q) #%d error = %v", snap.ID, i+1, err)
		}
	}
	if images := f.emu.Images(); len(images) != 0 {
		t.Errorf("AMIs after DeleteSnapshot = %+v, want none", images)
	}
	if snaps := f.emu.Snapshots(); len(snaps) != 0 {
		t.Errorf("EBS snapshots after DeleteSnapshot = %+v, want none (they bill)", snaps)
	}
}

func TestDeleteSnapshotFinishesHalfDoneDelete(t *testing.T) {
	f := newFixture(t)
	in := f.createReady(t, request("box", "op-1"))
	snap, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "half"})
	if err != nil {
		t.Fatalf("CreateSnapshot() error = %v", err)
	}
	other, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "other"})
	if err != nil {
		t.Fatalf("CreateSnapshot() error = %v", err)
	}
	// The AMI was deregistered but its EBS snapshot not yet deleted.
	f.emu.DeregisterImage(snap.ID)
	if err := f.p.DeleteSnapshot(t.Context(), snap.ID); err != nil {
		t.Fatalf("DeleteSnapshot(%q) error = %v", snap.ID, err)
	}
	snaps := f.emu.Snapshots()
	if len(snaps) != 1 || snaps[0].Description != fmt.Sprintf("Created by CreateImage(%s) for %s", in.ID, other.ID) {
		t.Errorf("EBS snapshots = %+v, want only the one of %s", snaps, other.ID)
	}
}

func TestDeleteSnapshotRefusesForeignAMI(t *testing.T) {
	f := newFixture(t)
	in := f.createReady(t, request("box", "op-1"))
	// An AMI of the account that spuff did not make.
	out, err := rawClient(f.emu).CreateImage(t.Context(), &ec2.CreateImageInput{
		InstanceId: awssdk.String(in.ID), Name: awssdk.String("team-golden"),
	})
	if err != nil {
		t.Fatalf("CreateImage() error = %v", err)
	}
	id := awssdk.ToString(out.ImageId)
	if err := f.p.DeleteSnapshot(t.Context(), id); !errors.Is(err, providers.ErrNotManaged) {
		t.Errorf("DeleteSnapshot(foreign AMI) error = %v, want ErrNotManaged", err)
	}
	if images := f.emu.Images(); len(images) != 1 || images[0].ID != id {
		t.Errorf("AMIs = %+v, want %s untouched", images, id)
	}
	if list, err := f.p.ListSnapshots(t.Context()); err != nil || len(list) != 0 {
		t.Errorf("ListSnapshots() = %+v, %v, want none: the AMI is not spuff's", list, err)
	}
}

func TestDeleteSnapshotOddIDs(t *testing.T) {
	f := newFixture(t)
	ubuntu := f.emu.OfficialImageID(testRegion, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305")
	// A public AMI is not the account's: there is nothing to delete.
	if err := f.p.DeleteSnapshot(t.Context(), ubuntu); err != nil {
		t.Errorf("DeleteSnapshot(official AMI) error = %v, want nil", err)
	}
	if f.emu.OfficialImageID(testRegion, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305") == "" {
		t.Errorf("DeleteSnapshot(official AMI) removed it")
	}
	if err := f.p.DeleteSnapshot(t.Context(), "not-an-ami"); !errors.Is(err, providers.ErrInvalid) {
		t.Errorf("DeleteSnapshot(not-an-ami) error = %v, want ErrInvalid", err)
	}
}

func TestCreateSnapshotDuplicateName(t *testing.T) {
	f := newFixture(t)
	in := f.createReady(t, request("box", "op-1"))
	if _, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "twice"}); err != nil {
		t.Fatalf("CreateSnapshot() error = %v", err)
	}
	_, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: "twice"})
	if !errors.Is(err, providers.ErrConflict) {
		t.Errorf("CreateSnapshot(same name) error = %v, want ErrConflict", err)
	}
}

func TestCreateSnapshotOfUnknownInstance(t *testing.T) {
	f := newFixture(t)
	_, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: "i-0123456789abcdef0", Name: "nothing"})
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("CreateSnapshot(unknown instance) error = %v, want ErrNotFound", err)
	}
}

func TestListSnapshotsPaginates(t *testing.T) {
	f := newFixture(t)
	in := f.createReady(t, request("box", "op-1"))
	want := map[string]bool{}
	for i := range 3 {
		s, err := f.p.CreateSnapshot(t.Context(), providers.SnapshotRequest{InstanceID: in.ID, Name: fmt.Sprintf("snap-%d", i)})
		if err != nil {
			t.Fatalf("CreateSnapshot() error = %v", err)
		}
		want[s.ID] = true
	}
	f.emu.SetPageSize(1)
	f.emu.ResetCalls()
	list, err := f.p.ListSnapshots(t.Context())
	if err != nil {
		t.Fatalf("ListSnapshots() error = %v", err)
	}
	got := map[string]bool{}
	for _, s := range list {
		got[s.ID] = true
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListSnapshots() ids mismatch (-want +got):\n%s", diff)
	}
	if calls := f.emu.Calls("DescribeImages"); calls != 3 {
		t.Errorf("Calls(DescribeImages) = %d, want 3 pages", calls)
	}
}
