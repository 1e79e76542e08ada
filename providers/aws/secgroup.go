package aws

import (
	"context"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spuffbot/spuffbot/providers"
)

const sshPort = 22

// ensureSecurityGroup returns the id of the spuff security group in the
// default VPC, creating it (once) if it is missing and adding the SSH rule
// if the group lacks it. The id is remembered for the provider's life.
func (p *Provider) ensureSecurityGroup(ctx context.Context) (string, error) {
	const op = "ensure security group"
	p.groupMu.Lock()
	defer p.groupMu.Unlock()
	if p.groupID != "" {
		return p.groupID, nil
	}
	vpc, err := p.defaultVPC(ctx)
	if err != nil {
		return "", err
	}
	group, err := p.findGroup(ctx, vpc)
	if err != nil {
		return "", err
	}
	if group == nil {
		out, err := p.api.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName:   awssdk.String(SecurityGroupName),
			Description: awssdk.String("spuff dev VMs: SSH in"),
			VpcId:       awssdk.String(vpc),
			TagSpecifications: []types.TagSpecification{{
				ResourceType: types.ResourceTypeSecurityGroup,
				Tags:         resourceTags(SecurityGroupName, nil),
			}},
		})
		switch {
		case code(err) == "InvalidGroup.Duplicate": // made meanwhile by another spuff
			if group, err = p.findGroup(ctx, vpc); err != nil {
				return "", err
			}
			if group == nil {
				return "", fmt.Errorf("aws: %s: group %q exists but cannot be found", op, SecurityGroupName)
			}
		case err != nil:
			return "", wrap(op, err)
		default:
			group = &types.SecurityGroup{GroupId: out.GroupId}
		}
	}
	id := awssdk.ToString(group.GroupId)
	if !allowsSSH(group.IpPermissions, p.sshCIDR) {
		_, err := p.api.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: awssdk.String(id),
			IpPermissions: []types.IpPermission{{
				IpProtocol: awssdk.String("tcp"),
				FromPort:   awssdk.Int32(sshPort),
				ToPort:     awssdk.Int32(sshPort),
				IpRanges:   []types.IpRange{{CidrIp: awssdk.String(p.sshCIDR), Description: awssdk.String("SSH to spuff dev VMs")}},
			}},
		})
		if err != nil && code(err) != "InvalidPermission.Duplicate" {
			return "", wrap(op, err)
		}
	}
	p.groupID = id
	return id, nil
}

func (p *Provider) defaultVPC(ctx context.Context) (string, error) {
	out, err := p.api.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{
		Filters: []types.Filter{{Name: awssdk.String("is-default"), Values: []string{"true"}}},
	})
	if err != nil {
		return "", wrap("find default VPC", err)
	}
	if len(out.Vpcs) == 0 {
		return "", &providers.Error{Provider: Name, Op: "find default VPC", Kind: providers.ErrInvalid,
			Message: "region " + p.region + " has no default VPC",
			Hint:    "create one with `aws ec2 create-default-vpc`"}
	}
	return awssdk.ToString(out.Vpcs[0].VpcId), nil
}

func (p *Provider) findGroup(ctx context.Context, vpc string) (*types.SecurityGroup, error) {
	out, err := p.api.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{
		Filters: []types.Filter{
			{Name: awssdk.String("group-name"), Values: []string{SecurityGroupName}},
			{Name: awssdk.String("vpc-id"), Values: []string{vpc}},
		},
	})
	if err != nil {
		return nil, wrap("find security group", err)
	}
	if len(out.SecurityGroups) == 0 {
		return nil, nil
	}
	return &out.SecurityGroups[0], nil
}

// allowsSSH reports whether perms let TCP port 22 in from cidr.
func allowsSSH(perms []types.IpPermission, cidr string) bool {
	for _, pm := range perms {
		proto := awssdk.ToString(pm.IpProtocol)
		if proto != "-1" && (proto != "tcp" || awssdk.ToInt32(pm.FromPort) > sshPort || awssdk.ToInt32(pm.ToPort) < sshPort) {
			continue
		}
		for _, r := range pm.IpRanges {
			if awssdk.ToString(r.CidrIp) == cidr {
				return true
			}
		}
	}
	return false
}
