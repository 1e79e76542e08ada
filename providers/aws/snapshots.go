package aws

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spuffbot/spuffbot/providers"
)

// inUseRetries is how often DeleteSnapshot retries an EBS snapshot that
// EC2 still counts as used by the just-deregistered AMI.
const inUseRetries = 5

// LabelSourceInstance is the tag naming the instance an AMI was made from.
const LabelSourceInstance = "spuff-instance"

// CreateSnapshot makes an AMI of the instance, without rebooting it, and
// waits until the AMI is available. The AMI and its EBS snapshots carry
// managed-by=spuff, the name and the request's labels.
func (p *Provider) CreateSnapshot(ctx context.Context, req providers.SnapshotRequest) (*providers.Snapshot, error) {
	instanceID, name := req.InstanceID, req.Name
	op := "create snapshot of " + instanceID
	labels := maps.Clone(req.Labels)
	if labels == nil {
		labels = make(map[string]string, 1)
	}
	labels[LabelSourceInstance] = instanceID
	tags := resourceTags(name, labels)
	out, err := p.api.CreateImage(ctx, &ec2.CreateImageInput{
		InstanceId:  awssdk.String(instanceID),
		Name:        awssdk.String(amiName(name)),
		Description: awssdk.String("spuff snapshot of " + instanceID),
		NoReboot:    awssdk.Bool(true),
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeImage, Tags: tags},
			{ResourceType: types.ResourceTypeSnapshot, Tags: tags},
		},
	})
	if code(err) == "InvalidAMIName.Duplicate" {
		// After a lost answer this is our own AMI: the caller looks it up.
		return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrConflict,
			Message: fmt.Sprintf("an AMI named %q exists already", amiName(name)),
			Hint:    "AMI names are unique per region: choose another snapshot name", Err: err}
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	id := awssdk.ToString(out.ImageId)
	waiter := ec2.NewImageAvailableWaiter(p.api, func(o *ec2.ImageAvailableWaiterOptions) {
		o.MinDelay, o.MaxDelay = p.poll, p.maxPoll
	})
	img, err := waiter.WaitForOutput(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}}, p.snapshotTimeout)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("aws: %s: wait for AMI %s: %w", op, id, ctx.Err())
		}
		if code(err) == "" { // the waiter's own verdict: failed, or too slow
			return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrFailed,
				Message: "AMI " + id + " did not become available", Err: err}
		}
		return nil, wrap(op+": wait for AMI "+id, err)
	}
	if len(img.Images) == 0 {
		return nil, fmt.Errorf("aws: %s: AMI %s vanished", op, id)
	}
	s := p.snapshot(img.Images[0])
	return &s, nil
}

// ListSnapshots returns the account's AMIs tagged managed-by=spuff.
func (p *Provider) ListSnapshots(ctx context.Context) ([]providers.Snapshot, error) {
	pages := ec2.NewDescribeImagesPaginator(p.api, &ec2.DescribeImagesInput{
		Owners:     []string{"self"},
		Filters:    []types.Filter{{Name: awssdk.String("tag:" + providers.LabelManagedBy), Values: []string{providers.ManagedByValue}}},
		MaxResults: awssdk.Int32(1000),
	})
	list := []providers.Snapshot{}
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrap("list snapshots", err)
		}
		for _, im := range out.Images {
			list = append(list, p.snapshot(im))
		}
	}
	return list, nil
}

// DeleteSnapshot deregisters a spuff AMI and deletes its EBS snapshots,
// which would otherwise keep billing. An AMI that is already gone is
// success; EBS snapshots it left behind (a delete that stopped half-way)
// are found by their description and deleted too. AMIs not made by spuff
// are refused.
func (p *Provider) DeleteSnapshot(ctx context.Context, id string) error {
	op := "delete snapshot " + id
	out, err := p.api.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{id}, Owners: []string{"self"}})
	switch code(err) {
	case "":
	case "InvalidAMIID.NotFound", "InvalidAMIID.Unavailable":
		out = &ec2.DescribeImagesOutput{}
	default:
		return wrap(op, err)
	}
	var snaps []string
	if len(out.Images) > 0 {
		im := out.Images[0]
		if tagValue(im.Tags, providers.LabelManagedBy) != providers.ManagedByValue {
			return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotManaged,
				Message: "AMI " + id + " was not made by spuff", Hint: "spuff deletes only its own snapshots"}
		}
		snaps = ebsSnapshots(im)
		_, err := p.api.DeregisterImage(ctx, &ec2.DeregisterImageInput{ImageId: awssdk.String(id)})
		if err != nil && code(err) != "InvalidAMIID.NotFound" && code(err) != "InvalidAMIID.Unavailable" {
			return wrap(op, err)
		}
	} else if snaps, err = p.leftoverSnapshots(ctx, id); err != nil {
		return wrap(op, err)
	}
	for _, s := range snaps {
		if err := p.deleteEBSSnapshot(ctx, s); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

// leftoverSnapshots finds spuff's EBS snapshots that CreateImage made for
// the AMI id ("Created by CreateImage(i-...) for ami-...").
func (p *Provider) leftoverSnapshots(ctx context.Context, id string) ([]string, error) {
	pages := ec2.NewDescribeSnapshotsPaginator(p.api, &ec2.DescribeSnapshotsInput{
		OwnerIds: []string{"self"},
		Filters: []types.Filter{
			{Name: awssdk.String("description"), Values: []string{"*for " + id + "*"}},
			{Name: awssdk.String("tag:" + providers.LabelManagedBy), Values: []string{providers.ManagedByValue}},
		},
		MaxResults: awssdk.Int32(1000),
	})
	var ids []string
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range out.Snapshots {
			ids = append(ids, awssdk.ToString(s.SnapshotId))
		}
	}
	return ids, nil
}

// deleteEBSSnapshot deletes one EBS snapshot; one already gone is success.
// EC2 may report it in use for a moment after its AMI was deregistered.
func (p *Provider) deleteEBSSnapshot(ctx context.Context, id string) error {
	delay := p.poll
	for try := 0; ; try++ {
		_, err := p.api.DeleteSnapshot(ctx, &ec2.DeleteSnapshotInput{SnapshotId: awssdk.String(id)})
		switch c := code(err); {
		case err == nil, c == "InvalidSnapshot.NotFound":
			return nil
		case c != "InvalidSnapshot.InUse" || try == inUseRetries:
			return err
		}
		if err := sleep(ctx, delay); err != nil {
			return err
		}
		delay = p.nextPoll(delay)
	}
}

func ebsSnapshots(im types.Image) []string {
	var ids []string
	for _, bd := range im.BlockDeviceMappings {
		if bd.Ebs != nil && bd.Ebs.SnapshotId != nil {
			ids = append(ids, *bd.Ebs.SnapshotId)
		}
	}
	return ids
}

// snapshot converts an AMI to spuff's snapshot.
func (p *Provider) snapshot(im types.Image) providers.Snapshot {
	s := providers.Snapshot{ID: awssdk.ToString(im.ImageId), Name: tagValue(im.Tags, "Name"), Regions: []string{p.region},
		Owner: tagValue(im.Tags, providers.LabelOwner)}
	if s.Name == "" {
		s.Name = awssdk.ToString(im.Name)
	}
	s.Created, _ = time.Parse(time.RFC3339, awssdk.ToString(im.CreationDate))
	for _, bd := range im.BlockDeviceMappings {
		if bd.Ebs != nil {
			s.SizeGB += float64(awssdk.ToInt32(bd.Ebs.VolumeSize))
		}
	}
	return s
}

// amiName makes name a valid AMI name: 3 to 128 characters among letters,
// digits, spaces and ( ) [ ] . / - ' @ _.
func amiName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("()[] ./-'@_", r)) {
			return r
		}
		return '-'
	}, name)
	if len(name) < 3 {
		name = "spuff-" + name
	}
	return name[:min(len(name), 128)]
}
