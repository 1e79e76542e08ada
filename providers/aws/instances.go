package aws

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spuffbot/spuffbot/providers"
)

// notFoundPolls is how many polls WaitReady tolerates
// InvalidInstanceID.NotFound for: EC2 is eventually consistent, and a
// fresh instance may be unknown to DescribeInstances for a few seconds.
const notFoundPolls = 5

// liveStates are the instance states ListInstances reports; shutting-down
// and terminated instances are gone for spuff.
var liveStates = []string{"pending", "running", "stopping", "stopped"}

// CreateInstance launches one instance. The operation id
// (req.Labels[providers.LabelOp]) with the name is the ClientToken, so
// that a retried create returns the instance launched the first time
// instead of launching a second one. The instance and its volume carry managed-by=spuff, the request's
// labels and a Name tag; the instance gets a public IPv4 and the spuff
// security group; req.SSHKeys are installed through cloud-init user data.
func (p *Provider) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	const op = "create instance"
	if req.Region != "" && req.Region != p.region {
		return nil, invalid(op, fmt.Sprintf("region %q is not offered: this AWS provider runs in %s", req.Region, p.region),
			"use region "+p.region+", or run spuff with AWS_REGION set to the other region")
	}
	if req.Size == "" {
		return nil, invalid(op, "no instance type given", "")
	}
	image, err := p.resolveImage(ctx, req.Image)
	if err != nil {
		return nil, err
	}
	group, err := p.ensureSecurityGroup(ctx)
	if err != nil {
		return nil, err
	}
	tags := resourceTags(req.Name, req.Labels)
	in := &ec2.RunInstancesInput{
		ImageId:      awssdk.String(image),
		InstanceType: types.InstanceType(req.Size),
		MinCount:     awssdk.Int32(1),
		MaxCount:     awssdk.Int32(1),
		NetworkInterfaces: []types.InstanceNetworkInterfaceSpecification{{
			DeviceIndex:              awssdk.Int32(0),
			AssociatePublicIpAddress: awssdk.Bool(true),
			DeleteOnTermination:      awssdk.Bool(true),
			Groups:                   []string{group},
		}},
		TagSpecifications: []types.TagSpecification{
			{ResourceType: types.ResourceTypeInstance, Tags: tags},
			{ResourceType: types.ResourceTypeVolume, Tags: tags},
		},
		MetadataOptions: &types.InstanceMetadataOptionsRequest{
			HttpTokens:   types.HttpTokensStateRequired,
			HttpEndpoint: types.InstanceMetadataEndpointStateEnabled,
		},
	}
	if ud := userData(req.UserData, req.SSHKeys); ud != "" {
		in.UserData = awssdk.String(base64.StdEncoding.EncodeToString([]byte(ud)))
	}
	token := clientToken(req.Labels[providers.LabelOp], req.Name)
	if token != "" {
		in.ClientToken = awssdk.String(token)
	}
	out, err := p.api.RunInstances(ctx, in)
	if code(err) == "IdempotentParameterMismatch" && token != "" {
		// The same operation launched already, with parameters that have
		// since changed (a newer AMI, say): that launch is the answer.
		if found, ferr := p.findByToken(ctx, token); ferr == nil && found != nil {
			return found, nil
		}
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	if len(out.Instances) == 0 {
		return nil, fmt.Errorf("aws: %s: RunInstances returned no instance", op)
	}
	inst := p.instance(out.Instances[0])
	return &inst, nil
}

func (p *Provider) findByToken(ctx context.Context, token string) (*providers.Instance, error) {
	out, err := p.api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{{Name: awssdk.String("client-token"), Values: []string{token}}},
	})
	if err != nil {
		return nil, wrap("find instance", err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if !gone(in.State) {
				inst := p.instance(in)
				return &inst, nil
			}
		}
	}
	return nil, nil
}

// DestroyInstance terminates an instance spuff manages. One that is
// already gone is success; one without the managed-by=spuff tag is
// refused with providers.ErrNotManaged.
func (p *Provider) DestroyInstance(ctx context.Context, id string) error {
	op := "destroy instance " + id
	in, err := p.describe(ctx, id)
	if err != nil {
		return err
	}
	if in == nil || gone(in.State) {
		return nil
	}
	if tagValue(in.Tags, providers.LabelManagedBy) != providers.ManagedByValue {
		return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotManaged,
			Message: fmt.Sprintf("instance %s has no %s=%s tag", id, providers.LabelManagedBy, providers.ManagedByValue)}
	}
	_, err = p.api.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if isMissingInstance(err) {
		return nil
	}
	return wrap(op, err)
}

// GetInstance returns the instance, or nil, nil when it does not exist or
// is shutting down or terminated.
func (p *Provider) GetInstance(ctx context.Context, id string) (*providers.Instance, error) {
	in, err := p.describe(ctx, id)
	if err != nil || in == nil || gone(in.State) {
		return nil, err
	}
	inst := p.instance(*in)
	return &inst, nil
}

// describe returns the instance id, or nil, nil when EC2 does not know it.
func (p *Provider) describe(ctx context.Context, id string) (*types.Instance, error) {
	out, err := p.api.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
	if isMissingInstance(err) {
		return nil, nil
	}
	if err != nil {
		return nil, wrap("get instance "+id, err)
	}
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			if awssdk.ToString(in.InstanceId) == id {
				return &in, nil
			}
		}
	}
	return nil, nil
}

// ListInstances returns every live instance tagged managed-by=spuff,
// following EC2's pages.
func (p *Provider) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	pages := ec2.NewDescribeInstancesPaginator(p.api, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{
			{Name: awssdk.String("tag:" + providers.LabelManagedBy), Values: []string{providers.ManagedByValue}},
			{Name: awssdk.String("instance-state-name"), Values: liveStates},
		},
		MaxResults: awssdk.Int32(1000),
	})
	list := []providers.Instance{}
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return nil, wrap("list instances", err)
		}
		for _, r := range out.Reservations {
			for _, in := range r.Instances {
				if !gone(in.State) && tagValue(in.Tags, providers.LabelManagedBy) == providers.ManagedByValue {
					list = append(list, p.instance(in))
				}
			}
		}
	}
	return list, nil
}

// WaitReady polls until the instance is running with a public IP. It
// fails with ErrNotFound if the instance is terminated or stays unknown.
func (p *Provider) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	op := "wait for instance " + id
	delay, misses := p.poll, 0
	for {
		in, err := p.describe(ctx, id)
		switch {
		case ctx.Err() != nil:
			return nil, fmt.Errorf("aws: %s: %w", op, ctx.Err())
		case err != nil && !errors.Is(err, providers.ErrRateLimited):
			return nil, err
		case err != nil:
			// Throttled even after the SDK's retries: poll more slowly.
		case in == nil:
			if misses++; misses > notFoundPolls {
				return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound,
					Message: "EC2 does not know the instance"}
			}
		case gone(in.State):
			return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound,
				Message: "the instance is " + string(in.State.Name)}
		default:
			if inst := p.instance(*in); inst.Ready() {
				return &inst, nil
			}
		}
		if err := sleep(ctx, delay); err != nil {
			return nil, fmt.Errorf("aws: %s: %w", op, err)
		}
		delay = p.nextPoll(delay)
	}
}

// instance converts EC2's instance to spuff's.
func (p *Provider) instance(in types.Instance) providers.Instance {
	out := providers.Instance{
		ID:      awssdk.ToString(in.InstanceId),
		IP:      awssdk.ToString(in.PublicIpAddress),
		Status:  status(in.State),
		Region:  p.region,
		Size:    string(in.InstanceType),
		Created: awssdk.ToTime(in.LaunchTime),
		Labels:  map[string]string{},
	}
	for _, t := range in.Tags {
		if k := awssdk.ToString(t.Key); k == "Name" {
			out.Name = awssdk.ToString(t.Value)
		} else {
			out.Labels[k] = awssdk.ToString(t.Value)
		}
	}
	return out
}

func status(s *types.InstanceState) providers.Status {
	if s == nil {
		return providers.StatusUnknown
	}
	switch s.Name {
	case types.InstanceStateNamePending:
		return providers.StatusNew
	case types.InstanceStateNameRunning:
		return providers.StatusActive
	case types.InstanceStateNameStopping, types.InstanceStateNameStopped:
		return providers.StatusOff
	case types.InstanceStateNameShuttingDown, types.InstanceStateNameTerminated:
		return providers.StatusArchived
	}
	return providers.StatusUnknown
}

// gone reports whether an instance is shutting down or terminated.
func gone(s *types.InstanceState) bool {
	return s != nil && (s.Name == types.InstanceStateNameShuttingDown || s.Name == types.InstanceStateNameTerminated)
}

func isMissingInstance(err error) bool {
	c := code(err)
	return c == "InvalidInstanceID.NotFound" || c == "InvalidInstanceID.Malformed"
}
