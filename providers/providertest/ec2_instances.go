package providertest

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

type ec2StateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

var ec2StateCodes = map[string]int{
	"pending": 0, "running": 16, "shutting-down": 32, "terminated": 48, "stopping": 64, "stopped": 80,
}

func ec2State(name string) ec2StateXML { return ec2StateXML{ec2StateCodes[name], name} }

type ec2GroupRef struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName"`
}

type ec2InstanceXML struct {
	InstanceID     string        `xml:"instanceId"`
	ImageID        string        `xml:"imageId"`
	State          ec2StateXML   `xml:"instanceState"`
	InstanceType   string        `xml:"instanceType"`
	LaunchTime     string        `xml:"launchTime"`
	AZ             string        `xml:"placement>availabilityZone"`
	VpcID          string        `xml:"vpcId"`
	PrivateIP      string        `xml:"privateIpAddress"`
	PublicIP       string        `xml:"ipAddress,omitempty"`
	Architecture   string        `xml:"architecture"`
	RootDeviceType string        `xml:"rootDeviceType"`
	ClientToken    string        `xml:"clientToken,omitempty"`
	Groups         []ec2GroupRef `xml:"groupSet>item"`
	Tags           []ec2Tag      `xml:"tagSet>item"`
}

type ec2ReservationXML struct {
	ec2Meta
	ReservationID string           `xml:"reservationId"`
	OwnerID       string           `xml:"ownerId"`
	Instances     []ec2InstanceXML `xml:"instancesSet>item"`
}

type ec2DescribeInstancesReply struct {
	ec2Meta
	Reservations []ec2ReservationXML `xml:"reservationSet>item"`
	NextToken    string              `xml:"nextToken,omitempty"`
}

type ec2StateChangeXML struct {
	InstanceID string      `xml:"instanceId"`
	Current    ec2StateXML `xml:"currentState"`
	Previous   ec2StateXML `xml:"previousState"`
}

type ec2TerminateReply struct {
	ec2Meta
	Instances []ec2StateChangeXML `xml:"instancesSet>item"`
}

func (rg *ec2Region) instanceXML(in *ec2Instance) ec2InstanceXML {
	x := ec2InstanceXML{InstanceID: in.id, ImageID: in.imageID, State: ec2State(in.state),
		InstanceType: in.instanceType, LaunchTime: ec2Time(in.launched), AZ: in.az,
		VpcID: rg.vpcs[0].id, PrivateIP: in.privateIP, PublicIP: in.publicIP, Architecture: "x86_64",
		RootDeviceType: "ebs", ClientToken: in.clientToken, Tags: ec2TagSet(in.tags)}
	for _, id := range in.groups {
		if g := rg.group(id); g != nil {
			x.Groups = append(x.Groups, ec2GroupRef{g.id, g.name})
		}
	}
	return x
}

// ec2Fingerprint identifies a RunInstances call's parameters, for
// ClientToken idempotency.
func ec2Fingerprint(f ec2Form) string {
	var parts []string
	for k, vs := range f {
		if k == "Action" || k == "Version" || k == "ClientToken" {
			continue
		}
		parts = append(parts, k+"="+strings.Join(vs, ","))
	}
	sort.Strings(parts)
	return strings.Join(parts, "&")
}

func (e *EC2) runInstances(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	token := f.get("ClientToken")
	if len(token) > 64 {
		return nil, ec2Invalid("Value (%s) for parameter clientToken is invalid. Length exceeds 64 characters.", token)
	}
	fp := ec2Fingerprint(f)
	if t, ok := rg.tokens[token]; ok && token != "" {
		if t.fingerprint != fp {
			return nil, &ec2Error{http.StatusBadRequest, "IdempotentParameterMismatch",
				"Arguments on this idempotent request are inconsistent with arguments used in previous request(s)."}
		}
		return rg.reservationReply(t.reservation, t.ids), nil
	}
	in, count, eerr := e.launchSpec(rg, f)
	if eerr != nil {
		return nil, eerr
	}
	now := time.Now().UTC()
	res := e.newID("r")
	var ids []string
	for range count {
		c := *in
		c.id, c.reservation, c.clientToken = e.newID("i"), res, token
		c.privateIP = fmt.Sprintf("172.31.%d.%d", len(rg.instances)/250, len(rg.instances)%250+4)
		c.launched, c.readyAt = now, now.Add(e.readyAfter)
		rg.instances = append(rg.instances, &c)
		ids = append(ids, c.id)
	}
	if token != "" {
		rg.tokens[token] = &ec2Token{fingerprint: fp, reservation: res, ids: ids}
	}
	return rg.reservationReply(res, ids), nil
}

// launchSpec validates RunInstances parameters into a template instance.
func (e *EC2) launchSpec(rg *ec2Region, f ec2Form) (*ec2Instance, int, *ec2Error) {
	if !f.has("MinCount") || !f.has("MaxCount") {
		return nil, 0, ec2Missing("MinCount/MaxCount")
	}
	lo, err := f.integer("MinCount", 0)
	if err != nil {
		return nil, 0, err
	}
	hi, err := f.integer("MaxCount", 0)
	if err != nil {
		return nil, 0, err
	}
	if lo < 1 || hi < lo {
		return nil, 0, ec2Invalid("Invalid value '%d' for MinCount or MaxCount", lo)
	}
	image := f.get("ImageId")
	if image == "" {
		return nil, 0, ec2Missing("ImageId")
	}
	im, eerr := rg.visibleImage(image)
	if eerr != nil {
		return nil, 0, eerr
	}
	if im.state != "available" {
		return nil, 0, ec2Invalid("Image %s is not in the available state", image)
	}
	typ := f.get("InstanceType")
	if _, ok := ec2InstanceTypes[typ]; !ok {
		return nil, 0, ec2Invalid("Invalid value '%s' for InstanceType.", typ)
	}
	ud, derr := base64.StdEncoding.DecodeString(f.get("UserData"))
	if derr != nil {
		return nil, 0, ec2Invalid("Invalid BASE64 encoding of user data.")
	}
	if len(ud) > 16*1024 {
		return nil, 0, ec2Invalid("User data is limited to 16384 bytes")
	}
	specs, eerr := f.tagSpecs("instance", "volume", "network-interface")
	if eerr != nil {
		return nil, 0, eerr
	}
	groups, wantIP, eerr := rg.launchNetwork(f)
	if eerr != nil {
		return nil, 0, eerr
	}
	in := &ec2Instance{imageID: im.id, instanceType: typ, az: rg.name + "a", state: "pending",
		userData: string(ud), groups: groups, wantPublicIP: wantIP, rootGB: max(im.sizeGB, 8),
		tags: specs["instance"], volumeTags: specs["volume"]}
	if in.tags == nil {
		in.tags = map[string]string{}
	}
	return in, hi, nil
}

// launchNetwork reads the security groups and public IP choice, either
// top-level or from NetworkInterface.1 (not both, as in EC2).
func (rg *ec2Region) launchNetwork(f ec2Form) (groups []string, wantIP bool, err *ec2Error) {
	groups, wantIP = f.list("SecurityGroupId"), true // default subnets map a public IP
	if f.count("NetworkInterface") > 0 {
		if len(groups) > 0 {
			return nil, false, &ec2Error{http.StatusBadRequest, "InvalidParameterCombination",
				"Network interfaces and an instance-level security groups may not be specified on the same request"}
		}
		if idx := f.get("NetworkInterface.1.DeviceIndex"); idx != "0" {
			return nil, false, ec2Invalid("Each network interface requires a device index.")
		}
		groups = f.list("NetworkInterface.1.SecurityGroupId")
		if v, set := f.boolean("NetworkInterface.1.AssociatePublicIpAddress"); set {
			wantIP = v
		}
	}
	for _, id := range groups {
		if rg.group(id) == nil {
			return nil, false, &ec2Error{http.StatusBadRequest, "InvalidGroup.NotFound",
				fmt.Sprintf("The security group '%s' does not exist in VPC '%s'", id, rg.vpcs[0].id)}
		}
	}
	if len(groups) == 0 {
		groups = []string{rg.groups[0].id}
	}
	return groups, wantIP, nil
}

func (rg *ec2Region) reservationReply(res string, ids []string) *ec2ReservationXML {
	out := &ec2ReservationXML{ReservationID: res, OwnerID: EC2AccountID}
	for _, id := range ids {
		if in := rg.instance(id); in != nil {
			out.Instances = append(out.Instances, rg.instanceXML(in))
		}
	}
	return out
}

var ec2InstanceIDRe = regexp.MustCompile(`^i-([0-9a-f]{8}|[0-9a-f]{17})$`)

// lookupInstances checks every id exists, with EC2's errors.
func (rg *ec2Region) lookupInstances(ids []string) ([]*ec2Instance, *ec2Error) {
	var found []*ec2Instance
	var missing []string
	for _, id := range ids {
		if !ec2InstanceIDRe.MatchString(id) {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidInstanceID.Malformed", fmt.Sprintf("Invalid id: %q", id)}
		}
		if in := rg.instance(id); in != nil {
			found = append(found, in)
		} else {
			missing = append(missing, id)
		}
	}
	switch len(missing) {
	case 0:
		return found, nil
	case 1:
		return nil, &ec2Error{http.StatusBadRequest, "InvalidInstanceID.NotFound",
			fmt.Sprintf("The instance ID '%s' does not exist", missing[0])}
	default:
		return nil, &ec2Error{http.StatusBadRequest, "InvalidInstanceID.NotFound",
			fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", "))}
	}
}

func (e *EC2) describeInstances(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	ids := f.list("InstanceId")
	if len(ids) > 0 && f.has("MaxResults") {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidParameterCombination",
			"The parameter instancesSet cannot be used with the parameter maxResults"}
	}
	rg.advance(time.Now().UTC())
	candidates := rg.instances
	if len(ids) > 0 {
		var err *ec2Error
		if candidates, err = rg.lookupInstances(ids); err != nil {
			return nil, err
		}
	}
	var matched []*ec2Instance
	for _, in := range candidates {
		ok, err := ec2InstanceMatches(in, f.filters())
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, in)
		}
	}
	page, next, err := ec2Paginate(f, matched, 5, 1000, e.pageSize)
	if err != nil {
		return nil, err
	}
	out := &ec2DescribeInstancesReply{NextToken: next}
	for _, in := range page {
		n := len(out.Reservations)
		if n == 0 || out.Reservations[n-1].ReservationID != in.reservation {
			out.Reservations = append(out.Reservations, ec2ReservationXML{ReservationID: in.reservation, OwnerID: EC2AccountID})
			n++
		}
		out.Reservations[n-1].Instances = append(out.Reservations[n-1].Instances, rg.instanceXML(in))
	}
	return out, nil
}

func ec2InstanceMatches(in *ec2Instance, filters []ec2Filter) (bool, *ec2Error) {
	for _, flt := range filters {
		if ok, handled := ec2MatchTags(flt, in.tags); handled {
			if !ok {
				return false, nil
			}
			continue
		}
		var v string
		switch flt.Name {
		case "instance-state-name":
			v = in.state
		case "instance-id":
			v = in.id
		case "instance-type":
			v = in.instanceType
		case "client-token":
			v = in.clientToken
		case "image-id":
			v = in.imageID
		default:
			return false, ec2Invalid("The filter '%s' is invalid", flt.Name)
		}
		if !ec2MatchAny(flt.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

func (e *EC2) terminateInstances(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	ids := f.list("InstanceId")
	if len(ids) == 0 {
		return nil, ec2Missing("InstanceId")
	}
	found, err := rg.lookupInstances(ids)
	if err != nil {
		return nil, err
	}
	out := &ec2TerminateReply{}
	for _, in := range slices.Compact(found) {
		prev := in.state
		if prev != "terminated" && prev != "shutting-down" {
			in.state = "shutting-down"
		}
		out.Instances = append(out.Instances, ec2StateChangeXML{in.id, ec2State(in.state), ec2State(prev)})
	}
	return out, nil
}
