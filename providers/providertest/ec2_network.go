package providertest

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

type ec2VpcXML struct {
	VpcID     string `xml:"vpcId"`
	OwnerID   string `xml:"ownerId"`
	State     string `xml:"state"`
	CidrBlock string `xml:"cidrBlock"`
	IsDefault bool   `xml:"isDefault"`
	Tenancy   string `xml:"instanceTenancy"`
}

type ec2DescribeVpcsReply struct {
	ec2Meta
	Vpcs      []ec2VpcXML `xml:"vpcSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

type ec2IPRangeXML struct {
	CidrIP string `xml:"cidrIp"`
}

type ec2PermissionXML struct {
	Protocol string          `xml:"ipProtocol"`
	FromPort *int            `xml:"fromPort,omitempty"`
	ToPort   *int            `xml:"toPort,omitempty"`
	Ranges   []ec2IPRangeXML `xml:"ipRanges>item"`
}

type ec2GroupXML struct {
	OwnerID     string             `xml:"ownerId"`
	GroupID     string             `xml:"groupId"`
	GroupName   string             `xml:"groupName"`
	Description string             `xml:"groupDescription"`
	VpcID       string             `xml:"vpcId"`
	Ingress     []ec2PermissionXML `xml:"ipPermissions>item"`
	Egress      []ec2PermissionXML `xml:"ipPermissionsEgress>item"`
	Tags        []ec2Tag           `xml:"tagSet>item"`
}

type ec2DescribeGroupsReply struct {
	ec2Meta
	Groups    []ec2GroupXML `xml:"securityGroupInfo>item"`
	NextToken string        `xml:"nextToken,omitempty"`
}

type ec2CreateGroupReply struct {
	ec2Meta
	Return  bool   `xml:"return"`
	GroupID string `xml:"groupId"`
}

type ec2RuleXML struct {
	RuleID   string `xml:"securityGroupRuleId"`
	GroupID  string `xml:"groupId"`
	IsEgress bool   `xml:"isEgress"`
	Protocol string `xml:"ipProtocol"`
	FromPort int    `xml:"fromPort"`
	ToPort   int    `xml:"toPort"`
	CIDR     string `xml:"cidrIpv4"`
}

type ec2AuthorizeReply struct {
	ec2Meta
	Return bool         `xml:"return"`
	Rules  []ec2RuleXML `xml:"securityGroupRuleSet>item"`
}

func (e *EC2) describeVpcs(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	ids := f.list("VpcId")
	var matched []*ec2Vpc
	for _, v := range rg.vpcs {
		if len(ids) > 0 && !slices.Contains(ids, v.id) {
			continue
		}
		ok := true
		for _, flt := range f.filters() {
			var val string
			switch flt.Name {
			case "is-default", "isDefault":
				val = strconv.FormatBool(v.isDefault)
			case "vpc-id":
				val = v.id
			case "state":
				val = "available"
			case "cidr":
				val = v.cidr
			default:
				return nil, ec2Invalid("The filter '%s' is invalid", flt.Name)
			}
			ok = ok && ec2MatchAny(flt.Values, val)
		}
		if ok {
			matched = append(matched, v)
		}
	}
	page, next, err := ec2Paginate(f, matched, 5, 1000, e.pageSize)
	if err != nil {
		return nil, err
	}
	out := &ec2DescribeVpcsReply{NextToken: next}
	for _, v := range page {
		out.Vpcs = append(out.Vpcs, ec2VpcXML{v.id, EC2AccountID, "available", v.cidr, v.isDefault, "default"})
	}
	return out, nil
}

func ec2GroupToXML(g *ec2Group) ec2GroupXML {
	x := ec2GroupXML{OwnerID: EC2AccountID, GroupID: g.id, GroupName: g.name, Description: g.description,
		VpcID: g.vpc, Tags: ec2TagSet(g.tags),
		Egress: []ec2PermissionXML{{Protocol: "-1", Ranges: []ec2IPRangeXML{{"0.0.0.0/0"}}}}}
	for _, r := range g.rules {
		from, to := r.FromPort, r.ToPort
		x.Ingress = append(x.Ingress, ec2PermissionXML{Protocol: r.Protocol, FromPort: &from, ToPort: &to,
			Ranges: []ec2IPRangeXML{{r.CIDR}}})
	}
	return x
}

func (e *EC2) describeSecurityGroups(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	ids, names := f.list("GroupId"), f.list("GroupName")
	for _, id := range ids {
		if rg.group(id) == nil {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id)}
		}
	}
	for _, n := range names {
		if !slices.ContainsFunc(rg.groups, func(g *ec2Group) bool { return g.name == n && g.vpc == rg.vpcs[0].id }) {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidGroup.NotFound",
				fmt.Sprintf("The security group '%s' does not exist in default VPC '%s'", n, rg.vpcs[0].id)}
		}
	}
	var matched []*ec2Group
	for _, g := range rg.groups {
		if (len(ids) > 0 && !slices.Contains(ids, g.id)) || (len(names) > 0 && !slices.Contains(names, g.name)) {
			continue
		}
		ok, err := ec2GroupMatches(g, f.filters())
		if err != nil {
			return nil, err
		}
		if ok {
			matched = append(matched, g)
		}
	}
	page, next, err := ec2Paginate(f, matched, 5, 1000, e.pageSize)
	if err != nil {
		return nil, err
	}
	out := &ec2DescribeGroupsReply{NextToken: next}
	for _, g := range page {
		out.Groups = append(out.Groups, ec2GroupToXML(g))
	}
	return out, nil
}

func ec2GroupMatches(g *ec2Group, filters []ec2Filter) (bool, *ec2Error) {
	for _, flt := range filters {
		if ok, handled := ec2MatchTags(flt, g.tags); handled {
			if !ok {
				return false, nil
			}
			continue
		}
		var v string
		switch flt.Name {
		case "group-name":
			v = g.name
		case "group-id":
			v = g.id
		case "vpc-id":
			v = g.vpc
		case "description":
			v = g.description
		default:
			return false, ec2Invalid("The filter '%s' is invalid", flt.Name)
		}
		if !ec2MatchAny(flt.Values, v) {
			return false, nil
		}
	}
	return true, nil
}

func (e *EC2) createSecurityGroup(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	name, desc, vpc := f.get("GroupName"), f.get("GroupDescription"), f.get("VpcId")
	switch {
	case name == "":
		return nil, ec2Missing("GroupName")
	case desc == "":
		return nil, ec2Missing("GroupDescription")
	case strings.HasPrefix(strings.ToLower(name), "sg-"):
		return nil, ec2Invalid("Group names may not be in the format sg-*")
	case len(name) > 255 || len(desc) > 255:
		return nil, ec2Invalid("Group name and description are limited to 255 characters")
	}
	if vpc == "" {
		vpc = rg.vpcs[0].id
	}
	if !slices.ContainsFunc(rg.vpcs, func(v *ec2Vpc) bool { return v.id == vpc }) {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidVpcID.NotFound", fmt.Sprintf("The vpc ID '%s' does not exist", vpc)}
	}
	for _, g := range rg.groups {
		if g.name == name && g.vpc == vpc {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidGroup.Duplicate",
				fmt.Sprintf("The security group '%s' already exists for VPC '%s'", name, vpc)}
		}
	}
	specs, eerr := f.tagSpecs("security-group")
	if eerr != nil {
		return nil, eerr
	}
	g := &ec2Group{id: e.newID("sg"), name: name, description: desc, vpc: vpc, tags: specs["security-group"]}
	if g.tags == nil {
		g.tags = map[string]string{}
	}
	rg.groups = append(rg.groups, g)
	return &ec2CreateGroupReply{Return: true, GroupID: g.id}, nil
}

var ec2Protocols = regexp.MustCompile(`^(tcp|udp|icmp|icmpv6|-1|[0-9]{1,3})$`)

func (e *EC2) authorizeIngress(rg *ec2Region, f ec2Form) (ec2Reply, *ec2Error) {
	id := f.get("GroupId")
	if id == "" {
		return nil, ec2Missing("GroupId")
	}
	g := rg.group(id)
	if g == nil {
		return nil, &ec2Error{http.StatusBadRequest, "InvalidGroup.NotFound", fmt.Sprintf("The security group '%s' does not exist", id)}
	}
	var rules []EC2Rule
	for i := 1; i <= f.count("IpPermissions"); i++ {
		p := "IpPermissions." + strconv.Itoa(i)
		proto := strings.ToLower(f.get(p + ".IpProtocol"))
		from, err := f.integer(p+".FromPort", -1)
		if err != nil {
			return nil, err
		}
		to, err := f.integer(p+".ToPort", -1)
		if err != nil {
			return nil, err
		}
		if !ec2Protocols.MatchString(proto) {
			return nil, ec2Invalid("Invalid value '%s' for IP protocol. Unknown protocol.", proto)
		}
		if (proto == "tcp" || proto == "udp") && (from < 0 || to > 65535 || from > to) {
			return nil, ec2Invalid("Invalid port range (%d, %d)", from, to)
		}
		for j := 1; j <= f.count(p+".IpRanges"); j++ {
			cidr := f.get(p + ".IpRanges." + strconv.Itoa(j) + ".CidrIp")
			if _, _, perr := net.ParseCIDR(cidr); perr != nil {
				return nil, ec2Invalid("CIDR block %s is malformed", cidr)
			}
			rules = append(rules, EC2Rule{Protocol: proto, FromPort: from, ToPort: to, CIDR: cidr})
		}
	}
	if len(rules) == 0 {
		return nil, ec2Missing("IpPermissions")
	}
	out := &ec2AuthorizeReply{Return: true}
	for _, r := range rules {
		if slices.Contains(g.rules, r) {
			return nil, &ec2Error{http.StatusBadRequest, "InvalidPermission.Duplicate",
				fmt.Sprintf("the specified rule \"peer: %s, %s, from port: %d, to port: %d, ALLOW\" already exists",
					r.CIDR, strings.ToUpper(r.Protocol), r.FromPort, r.ToPort)}
		}
	}
	for _, r := range rules {
		g.rules = append(g.rules, r)
		out.Rules = append(out.Rules, ec2RuleXML{RuleID: e.newID("sgr"), GroupID: g.id, Protocol: r.Protocol,
			FromPort: r.FromPort, ToPort: r.ToPort, CIDR: r.CIDR})
	}
	return out, nil
}
