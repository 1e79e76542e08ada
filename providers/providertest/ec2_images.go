package providertest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"
)

// ec2Official lists the official images seeded in every region. The list
// is deliberately not in date order: clients must sort by creationDate.
var ec2Official = []struct {
	owner, name, arch, date string
}{
	{CanonicalOwnerID, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305", "x86_64", "2025-03-05T10:21:33.000Z"},
	{CanonicalOwnerID, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250115", "x86_64", "2025-01-15T09:02:11.000Z"},
	{CanonicalOwnerID, "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-20250306", "arm64", "2025-03-06T08:00:00.000Z"},
	{CanonicalOwnerID, "ubuntu-pro-server/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-pro-server-20250310", "x86_64", "2025-03-10T07:00:00.000Z"},
	{CanonicalOwnerID, "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server-20250228", "x86_64", "2025-02-28T12:00:00.000Z"},
	{CanonicalOwnerID, "ubuntu/images/hvm-ssd/ubuntu-focal-20.04-amd64-server-20250214", "x86_64", "2025-02-14T12:00:00.000Z"},
	{DebianOwnerID, "debian-12-amd64-20250112-1990", "x86_64", "2025-01-12T20:00:00.000Z"},
	{DebianOwnerID, "debian-12-amd64-20250210-2019", "x86_64", "2025-02-10T22:00:00.000Z"},
	{DebianOwnerID, "debian-12-arm64-20250211-2020", "arm64", "2025-02-11T22:00:00.000Z"},
	{DebianOwnerID, "debian-12-backports-amd64-20250215-2025", "x86_64", "2025-02-15T22:00:00.000Z"},
	{DebianOwnerID, "debian-11-amd64-20250210-2019", "x86_64", "2025-02-10T21:00:00.000Z"},
}

// ec2OfficialImages returns the official images of region, with ids that
// differ per region as real AMI ids do.
func ec2OfficialImages(region string) []*ec2Image {
	out := make([]*ec2Image, 0, len(ec2Official))
	for _, o := range ec2Official {
		created, _ := time.Parse(time.RFC3339, o.date)
		sum := sha256.Sum256([]byte(region + "/" + o.owner + "/" + o.name))
		h := hex.EncodeToString(sum[:])
		out = append(out, &ec2Image{id: "ami-" + h[:17], name: o.name, owner: o.owner, state: "available",
			arch: o.arch, public: true, created: created, sizeGB: 8, snapshots: []string{"snap-" + h[17:34]},
			tags: map[string]string{}})
	}
	return out
}

type ec2BlockDeviceXML struct {
	DeviceName          string `xml:"deviceName"`
	SnapshotID          string `xml:"ebs>snapshotId"`
	VolumeSize          int    `xml:"ebs>volumeSize"`
	DeleteOnTermination bool   `xml:"ebs>deleteOnTermination"`
	VolumeType          string `xml:"ebs>volumeType"`
}

type ec2ImageXML struct {
	ImageID        string              `xml:"imageId"`
	ImageLocation  string              `xml:"imageLocation"`
	State          string              `xml:"imageState"`
	OwnerID        string              `xml:"imageOwnerId"`
	CreationDate   string              `xml:"creationDate"`
	IsPublic       bool                `xml:"isPublic"`
	Architecture   string              `xml:"architecture"`
	ImageType      string              `xml:"imageType"`
	Name           string              `xml:"name"`
	Description    string              `xml:"description,omitempty"`
	RootDeviceType string              `xml:"rootDeviceType"`
	RootDeviceName string              `xml:"rootDeviceName"`
	BlockDevices   []ec2BlockDeviceXML `xml:"blockDeviceMapping>item"`
	Virtualization string              `xml:"virtualizationType"`
	Tags           []ec2Tag            `xml:"tagSet>item"`
}

type ec2DescribeImagesReply struct {
	ec2Meta
	Images    []ec2ImageXML `xml:"imagesSet>item"`
	NextToken string        `xml:"nextToken,omitempty"`
}

type ec2CreateImageReply struct {
	ec2Meta
	ImageID string `xml:"imageId"`
}

type ec2ReturnReply struct {
	ec2Meta
	Return bool `xml:"return"`
}

func ec2ImageToXML(im *ec2Image) ec2ImageXML {
	x := ec2ImageXML{ImageID: im.id, ImageLocation: im.owner + "/" + im.name, State: im.state,
		OwnerID: im.owner, CreationDate: ec2Time(im.created), IsPublic: im.public, Architecture: im.arch,
		ImageType: "machine", Name: im.name, Description: im.description, RootDeviceType: "ebs",
		RootDeviceName: "/dev/sda1", Virtualization: "hvm", Tags: ec2TagSet(im.tags)}
	for i, s := range im.snapshots {
		x.BlockDevices = append(x.BlockDevices, ec2BlockDeviceXML{DeviceName: fmt.Sprintf("/dev/sd%c", 'a'+i) + "1",
			SnapshotID: s, VolumeSize: im.sizeGB, DeleteOnTermination: true, VolumeType: "gp3"})
	}
	return x
}

var ec2ImageIDRe = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// visibleImage finds an AMI the account may use: a public one or its own.
func (rg *ec2Region) visibleImage(id string) (*ec2Image, *ec2Error) {
	if !ec2ImageIDRe.MatchString(id) {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidAMIID.Malformed", fmt.Sprintf("Invalid id: %q (expecting \"ami-...\")", id)}
	}
	if im := rg.image(id); im != nil && (im.public || im.owner == EC2AccountID) {
		return im, nil
	}
	return nil, &ec2Error{http.StatusBadRequest, "InvalidAMIID.NotFound", fmt.Sprintf("The image id '[%s]' does not exist", id)}
}

var ec2AMIName = regexp.MustCompile(`^[a-zA-Z0-9()\[\] ./\-'@_]{3,128}$`)

func (e *EC2) createImage(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	id, name := f.get("InstanceId"), f.get("Name")
	if id == "" {
		return nil, ec2Missing("InstanceId")
	}
	if name == "" {
		return nil, ec2Missing("Name")
	}
	if !ec2AMIName.MatchString(name) {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidAMIName.Malformed",
			"AMI names must be between 3 and 128 characters long, and may contain letters, numbers, '(', ')', '.', '-', '/' and '_'"}
	}
	found, eerr := rg.lookupInstances([]string{id})
	if eerr != nil {
		return nil, eerr
	}
	in := found[0]
	if in.state != "running" && in.state != "stopped" {
		return nil, &ec2Error{http.StatusBadRequest, "IncorrectInstanceState",
			fmt.Sprintf("The instance '%s' is not in a state from which it can be imaged.", id)}
	}
	for _, im := range rg.images {
		if im.owner == EC2AccountID && im.name == name {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidAMIName.Duplicate",
				fmt.Sprintf("AMI name %s is already in use by AMI %s", name, im.id)}
		}
	}
	specs, eerr := f.tagSpecs("image", "snapshot")
	if eerr != nil {
		return nil, eerr
	}
	now := time.Now().UTC()
	im := &ec2Image{id: e.newID("ami"), name: name, description: f.get("Description"), owner: EC2AccountID,
		state: "pending", arch: "x86_64", source: in.id, created: now, readyAt: now.Add(e.readyAfter),
		sizeGB: in.rootGB, tags: specs["image"]}
	snap := &ec2Snapshot{id: e.newID("snap"), volumeID: e.newID("vol"), owner: EC2AccountID, state: "pending",
		sizeGB: in.rootGB, started: now, readyAt: im.readyAt, tags: specs["snapshot"]}
	// EC2's own wording, which clients filter on.
	snap.description = fmt.Sprintf("Created by CreateImage(%s) for %s", in.id, im.id)
	if im.tags == nil {
		im.tags = map[string]string{}
	}
	if snap.tags == nil {
		snap.tags = map[string]string{}
	}
	im.snapshots = []string{snap.id}
	rg.images = append(rg.images, im)
	rg.snapshots = append(rg.snapshots, snap)
	return &ec2CreateImageReply{ImageID: im.id}, nil
}

func (e *EC2) describeImages(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	ids, owners := f.list("ImageId"), f.list("Owner")
	if len(ids) > 0 && f.has("MaxResults") {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidParameterCombination",
			"The parameter ImageId cannot be used with the parameter MaxResults"}
	}
	rg.advance(time.Now().UTC())
	for _, id := range ids {
		if _, err := rg.visibleImage(id); err != nil {
			return nil, err
		}
	}
	var matched []*ec2Image
	for _, im := range rg.images {
		if !im.public && im.owner != EC2AccountID {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, im.id) {
			continue
		}
		if len(owners) > 0 && !slices.ContainsFunc(owners, func(o string) bool {
			return o == im.owner || (o == "self" && im.owner == EC2AccountID)
		}) {
			continue
		}
		ok, err := ec2ImageMatches(im, f.filters())
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, im)
		}
	}
	page, next, err := ec2Paginate(f, matched, 5, 1000, e.pageSize)
	if err != nil {
		return nil, err
	}
	out := &ec2DescribeImagesReply{NextToken: next}
	for _, im := range page {
		out.Images = append(out.Images, ec2ImageToXML(im))
	}
	return out, nil
}

func ec2ImageMatches(im *ec2Image, filters []ec2Filter) (bool, *ec2Error) {
	for _, flt := range filters {
		if ok, handled := ec2MatchTags(flt, im.tags); handled {
			if !ok {
				return false, nil
			}
			continue
		}
		var v string
		switch flt.Name {
		case "name":
			v = im.name
		case "state":
			v = im.state
		case "architecture":
			v = im.arch
		case "image-id":
			v = im.id
		case "owner-id":
			v = im.owner
		case "is-public":
			v = fmt.Sprint(im.public)
		case "image-type":
			v = "machine"
		case "root-device-type":
			v = "ebs"
		case "virtualization-type":
			v = "hvm"
		default:
			return false, ec2Invalid("The filter '%s' is invalid", flt.Name)
		}
		if !ec2MatchAny(flt.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

func (e *EC2) deregisterImage(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	id := f.get("ImageId")
	if id == "" {
		return nil, ec2Missing("ImageId")
	}
	im, err := rg.visibleImage(id)
	if err != nil {
		return nil, err
	}
	if im.owner != EC2AccountID {
		return nil, &ec2Error{http.StatusUnauthorized, "AuthFailure", fmt.Sprintf("Not authorized for image:%s", id)}
	}
	rg.images = slices.DeleteFunc(rg.images, func(x *ec2Image) bool { return x == im })
	return &ec2ReturnReply{Return: true}, nil
}
