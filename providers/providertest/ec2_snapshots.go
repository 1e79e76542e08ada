package providertest

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

type ec2SnapshotXML struct {
	SnapshotID  string   `xml:"snapshotId"`
	VolumeID    string   `xml:"volumeId"`
	Status      string   `xml:"status"`
	StartTime   string   `xml:"startTime"`
	Progress    string   `xml:"progress"`
	OwnerID     string   `xml:"ownerId"`
	VolumeSize  int      `xml:"volumeSize"`
	Description string   `xml:"description"`
	Encrypted   bool     `xml:"encrypted"`
	Tags        []ec2Tag `xml:"tagSet>item"`
}

type ec2DescribeSnapshotsReply struct {
	ec2Meta
	Snapshots []ec2SnapshotXML `xml:"snapshotSet>item"`
	NextToken string           `xml:"nextToken,omitempty"`
}

var ec2SnapshotIDRe = regexp.MustCompile(`^snap-([0-9a-f]{8}|[0-9a-f]{17})$`)

func (rg *ec2Region) snapshot(id string) (*ec2Snapshot, *ec2Error) {
	if !ec2SnapshotIDRe.MatchString(id) {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidSnapshotID.Malformed", fmt.Sprintf("Invalid id: %q (expecting \"snap-...\")", id)}
	}
	for _, s := range rg.snapshots {
		if s.id == id {
			return s, nil
		}
	}
	return nil, &ec2Error{http.StatusBadRequest, "InvalidSnapshot.NotFound", fmt.Sprintf("The snapshot '%s' does not exist.", id)}
}

func (e *EC2) describeSnapshots(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	ids, owners := f.list("SnapshotId"), f.list("Owner")
	if len(ids) > 0 && f.has("MaxResults") {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidParameterCombination",
			"The parameter SnapshotId cannot be used with the parameter MaxResults"}
	}
	rg.advance(time.Now().UTC())
	for _, id := range ids {
		if _, err := rg.snapshot(id); err != nil {
			return nil, err
		}
	}
	var matched []*ec2Snapshot
	for _, s := range rg.snapshots {
		if len(ids) > 0 && !slices.Contains(ids, s.id) {
			continue
		}
		if len(owners) > 0 && !slices.ContainsFunc(owners, func(o string) bool {
			return o == s.owner || (o == "self" && s.owner == EC2AccountID)
		}) {
			continue
		}
		ok, err := ec2SnapshotMatches(s, f.filters())
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, s)
		}
	}
	page, next, err := ec2Paginate(f, matched, 5, 1000, e.pageSize)
	if err != nil {
		return nil, err
	}
	out := &ec2DescribeSnapshotsReply{NextToken: next}
	for _, s := range page {
		progress := "0%"
		if s.state == "completed" {
			progress = "100%"
		}
		out.Snapshots = append(out.Snapshots, ec2SnapshotXML{SnapshotID: s.id, VolumeID: s.volumeID,
			Status: s.state, StartTime: ec2Time(s.started), Progress: progress, OwnerID: s.owner,
			VolumeSize: s.sizeGB, Description: s.description, Tags: ec2TagSet(s.tags)})
	}
	return out, nil
}

func ec2SnapshotMatches(s *ec2Snapshot, filters []ec2Filter) (bool, *ec2Error) {
	for _, flt := range filters {
		if ok, handled := ec2MatchTags(flt, s.tags); handled {
			if !ok {
				return false, nil
			}
			continue
		}
		var v string
		switch flt.Name {
		case "description":
			v = s.description
		case "status":
			v = s.state
		case "snapshot-id":
			v = s.id
		case "owner-id":
			v = s.owner
		case "volume-id":
			v = s.volumeID
		case "volume-size":
			v = strconv.Itoa(s.sizeGB)
		default:
			return false, ec2Invalid("The filter '%s' is invalid", flt.Name)
		}
		if !ec2MatchAny(flt.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

func (e *EC2) deleteSnapshot(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	id := f.get("SnapshotId")
	if id == "" {
		return nil, ec2Missing("SnapshotId")
	}
	s, err := rg.snapshot(id)
	if err != nil {
		return nil, err
	}
	for _, im := range rg.images {
		if slices.Contains(im.snapshots, id) {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidSnapshot.InUse",
				fmt.Sprintf("The snapshot %s is currently in use by %s", id, im.id)}
		}
	}
	rg.snapshots = slices.DeleteFunc(rg.snapshots, func(x *ec2Snapshot) bool { return x == s })
	return &ec2ReturnReply{Return: true}, nil
}
