package providertest

import (
	"maps"
	"slices"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestEC2OfficialImages(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "ap-southeast-1", "AKID")
	out, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{
		Owners: []string{CanonicalOwnerID},
		Filters: []types.Filter{
			{Name: awssdk.String("name"), Values: []string{"ubuntu/images/hvm-ssd*/ubuntu-*-24.04-amd64-server-*"}},
			{Name: awssdk.String("architecture"), Values: []string{"x86_64"}},
			{Name: awssdk.String("state"), Values: []string{"available"}},
		},
	})
	if err != nil {
		t.Fatalf("DescribeImages() error = %v", err)
	}
	var names []string
	for _, im := range out.Images {
		names = append(names, awssdk.ToString(im.Name))
		if awssdk.ToString(im.OwnerId) != CanonicalOwnerID || awssdk.ToString(im.CreationDate) == "" || len(im.BlockDeviceMappings) != 1 {
			t.Errorf("image %+v, want Canonical's, with a creation date and a root snapshot", im)
		}
	}
	slices.Sort(names)
	want := []string{
		"ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115",
		"ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305",
	}
	if !slices.Equal(names, want) {
		t.Errorf("DescribeImages(noble amd64) = %v, want %v", names, want)
	}
	self, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{Owners: []string{"self"}})
	if err != nil || len(self.Images) != 0 {
		t.Errorf("DescribeImages(self) = %+v, %v, want none", self, err)
	}
}

func TestEC2ImageAndSnapshots(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	run, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok"))
	if err != nil {
		t.Fatal(err)
	}
	id := awssdk.ToString(run.Instances[0].InstanceId)
	pending := &ec2.CreateImageInput{InstanceId: awssdk.String(id), Name: awssdk.String("too-early")}
	if _, err := c.CreateImage(t.Context(), pending); apiCode(err) != "IncorrectInstanceState" {
		t.Errorf("CreateImage(pending instance) error = %v, want IncorrectInstanceState", err)
	}
	if _, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{}); err != nil { // now running
		t.Fatal(err)
	}
	img, err := c.CreateImage(t.Context(), &ec2.CreateImageInput{InstanceId: awssdk.String(id), Name: awssdk.String("golden"),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeSnapshot,
			Tags: []types.Tag{{Key: awssdk.String("managed-by"), Value: awssdk.String("spuff")}}}}})
	if err != nil {
		t.Fatalf("CreateImage() error = %v", err)
	}
	ami := awssdk.ToString(img.ImageId)
	if _, err := c.CreateImage(t.Context(), &ec2.CreateImageInput{InstanceId: awssdk.String(id), Name: awssdk.String("golden")}); apiCode(err) != "InvalidAMIName.Duplicate" {
		t.Errorf("CreateImage(same name) error = %v, want InvalidAMIName.Duplicate", err)
	}
	desc, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{ami}})
	if err != nil || len(desc.Images) != 1 || desc.Images[0].State != types.ImageStateAvailable {
		t.Fatalf("DescribeImages(%s) = %+v, %v, want it available", ami, desc, err)
	}
	snap := awssdk.ToString(desc.Images[0].BlockDeviceMappings[0].Ebs.SnapshotId)
	snaps, err := c.DescribeSnapshots(t.Context(), &ec2.DescribeSnapshotsInput{OwnerIds: []string{"self"},
		Filters: []types.Filter{{Name: awssdk.String("description"), Values: []string{"*for " + ami + "*"}},
			{Name: awssdk.String("tag:managed-by"), Values: []string{"spuff"}}}})
	if err != nil || len(snaps.Snapshots) != 1 || awssdk.ToString(snaps.Snapshots[0].SnapshotId) != snap ||
		snaps.Snapshots[0].State != types.SnapshotStateCompleted {
		t.Errorf("DescribeSnapshots(for %s) = %+v, %v, want the completed %s", ami, snaps, err, snap)
	}
	del := &ec2.DeleteSnapshotInput{SnapshotId: awssdk.String(snap)}
	if _, err := c.DeleteSnapshot(t.Context(), del); apiCode(err) != "InvalidSnapshot.InUse" {
		t.Errorf("DeleteSnapshot(registered AMI's) error = %v, want InvalidSnapshot.InUse", err)
	}
	if _, err := c.DeregisterImage(t.Context(), &ec2.DeregisterImageInput{ImageId: awssdk.String(ami)}); err != nil {
		t.Fatalf("DeregisterImage() error = %v", err)
	}
	if n := len(e.Snapshots()); n != 1 {
		t.Errorf("EBS snapshots after DeregisterImage = %d, want 1: EC2 keeps them", n)
	}
	if _, err := c.DeleteSnapshot(t.Context(), del); err != nil {
		t.Errorf("DeleteSnapshot() error = %v", err)
	}
	if _, err := c.DeleteSnapshot(t.Context(), del); apiCode(err) != "InvalidSnapshot.NotFound" {
		t.Errorf("DeleteSnapshot(again) error = %v, want InvalidSnapshot.NotFound", err)
	}
	if _, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{ami}}); apiCode(err) != "InvalidAMIID.NotFound" {
		t.Errorf("DescribeImages(deregistered) error = %v, want InvalidAMIID.NotFound", err)
	}
	official := e.OfficialImageID("us-east-1", "debian-12-amd64-20250210-2019")
	if _, err := c.DeregisterImage(t.Context(), &ec2.DeregisterImageInput{ImageId: awssdk.String(official)}); apiCode(err) != "AuthFailure" {
		t.Errorf("DeregisterImage(Debian's AMI) error = %v, want AuthFailure", err)
	}
}

func TestEC2ImagePending(t *testing.T) {
	e := newTestEC2(t)
	e.SetReadyAfter(time.Hour)
	c := ec2Client(e, "us-east-1", "AKID")
	id := e.AddInstance("us-east-1", nil)
	img, err := c.CreateImage(t.Context(), &ec2.CreateImageInput{InstanceId: awssdk.String(id), Name: awssdk.String("slow")})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := c.DescribeImages(t.Context(), &ec2.DescribeImagesInput{ImageIds: []string{awssdk.ToString(img.ImageId)}})
	if err != nil || desc.Images[0].State != types.ImageStatePending {
		t.Errorf("DescribeImages() = %+v, %v, want pending", desc, err)
	}
}

func TestEC2SecurityGroups(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	vpcs, err := c.DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{
		Filters: []types.Filter{{Name: awssdk.String("is-default"), Values: []string{"true"}}}})
	if err != nil || len(vpcs.Vpcs) != 1 || !awssdk.ToBool(vpcs.Vpcs[0].IsDefault) {
		t.Fatalf("DescribeVpcs(default) = %+v, %v, want the default VPC", vpcs, err)
	}
	vpc := vpcs.Vpcs[0].VpcId
	create := &ec2.CreateSecurityGroupInput{GroupName: awssdk.String("spuff"), Description: awssdk.String("ssh"), VpcId: vpc}
	g, err := c.CreateSecurityGroup(t.Context(), create)
	if err != nil {
		t.Fatalf("CreateSecurityGroup() error = %v", err)
	}
	if _, err := c.CreateSecurityGroup(t.Context(), create); apiCode(err) != "InvalidGroup.Duplicate" {
		t.Errorf("CreateSecurityGroup(again) error = %v, want InvalidGroup.Duplicate", err)
	}
	rule := &ec2.AuthorizeSecurityGroupIngressInput{GroupId: g.GroupId, IpPermissions: []types.IpPermission{{
		IpProtocol: awssdk.String("tcp"), FromPort: awssdk.Int32(22), ToPort: awssdk.Int32(22),
		IpRanges: []types.IpRange{{CidrIp: awssdk.String("0.0.0.0/0")}}}}}
	if _, err := c.AuthorizeSecurityGroupIngress(t.Context(), rule); err != nil {
		t.Fatalf("AuthorizeSecurityGroupIngress() error = %v", err)
	}
	if _, err := c.AuthorizeSecurityGroupIngress(t.Context(), rule); apiCode(err) != "InvalidPermission.Duplicate" {
		t.Errorf("AuthorizeSecurityGroupIngress(again) error = %v, want InvalidPermission.Duplicate", err)
	}
	out, err := c.DescribeSecurityGroups(t.Context(), &ec2.DescribeSecurityGroupsInput{Filters: []types.Filter{
		{Name: awssdk.String("group-name"), Values: []string{"spuff"}},
		{Name: awssdk.String("vpc-id"), Values: []string{awssdk.ToString(vpc)}}}})
	if err != nil || len(out.SecurityGroups) != 1 {
		t.Fatalf("DescribeSecurityGroups(spuff) = %+v, %v, want one", out, err)
	}
	perms := out.SecurityGroups[0].IpPermissions
	if len(perms) != 1 || awssdk.ToInt32(perms[0].FromPort) != 22 || awssdk.ToString(perms[0].IpRanges[0].CidrIp) != "0.0.0.0/0" {
		t.Errorf("spuff group permissions = %+v, want SSH from anywhere", perms)
	}
}

func TestEC2DescribeInstanceTypes(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	out, err := c.DescribeInstanceTypes(t.Context(), &ec2.DescribeInstanceTypesInput{
		Filters: []types.Filter{{Name: awssdk.String("instance-type"), Values: []string{"t3.micro", "m7i.2xlarge", "x9.huge"}}}})
	if err != nil {
		t.Fatalf("DescribeInstanceTypes() error = %v", err)
	}
	got := map[string][2]int64{}
	for _, it := range out.InstanceTypes {
		got[string(it.InstanceType)] = [2]int64{int64(awssdk.ToInt32(it.VCpuInfo.DefaultVCpus)), awssdk.ToInt64(it.MemoryInfo.SizeInMiB)}
	}
	want := map[string][2]int64{"t3.micro": {2, 1024}, "m7i.2xlarge": {8, 32768}}
	if !maps.Equal(got, want) {
		t.Errorf("DescribeInstanceTypes() = %v, want %v", got, want)
	}
	if _, err := c.DescribeInstanceTypes(t.Context(), &ec2.DescribeInstanceTypesInput{InstanceTypes: []types.InstanceType{"x9.huge"}}); apiCode(err) != "InvalidInstanceType" {
		t.Errorf("DescribeInstanceTypes(x9.huge) error = %v, want InvalidInstanceType", err)
	}
}
