// Package aws runs spuff's dev VMs on Amazon EC2 through aws-sdk-go-v2.
//
// Credentials and region come from the AWS chain a server can use, built
// here without config.LoadDefaultConfig (see FromEnv): environment keys,
// web identity, AWS_PROFILE and the shared config files (static keys,
// assume-role, credential_process), the ECS or EKS container endpoint,
// the EC2 instance role. SSO and `aws login` profiles are refused: their
// tokens need a person to log in again every few hours, and the bot runs
// unattended. The endpoint can be pointed elsewhere with
// AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL, as the SDK itself allows. One
// Provider serves one region, as an EC2 client does.
//
// Instances are launched with the operation id (and instance name) as
// RunInstances' ClientToken, so that a retried create never launches
// twice, and are reachable over SSH through a "spuff" security group in
// the default VPC.
//
// Snapshots are AMIs; deleting one also deletes its EBS snapshots, which
// would otherwise keep billing. Prices come from a table embedded in the
// binary (EC2 has no price in its own API), so the Catalog marks them as
// estimates.
package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/spuffbot/spuffbot/providers"
)

// Name is the registry name of the provider.
const Name = "aws"

// Defaults for the zero Config fields.
const (
	DefaultPollInterval    = 3 * time.Second
	DefaultMaxPollInterval = 15 * time.Second
	DefaultSnapshotTimeout = time.Hour
	DefaultSSHCIDR         = "0.0.0.0/0"
	// SecurityGroupName is the group spuff creates (once per region and
	// VPC) to let SSH in.
	SecurityGroupName = "spuff"
)

// Config configures a Provider.
type Config struct {
	// AWS is the SDK configuration: Region (required) and Credentials
	// (required), and optionally HTTPClient, Retryer, Logger. FromEnv
	// builds it from the environment and the shared files.
	AWS awssdk.Config
	// BaseURL overrides the EC2 endpoint, e.g. an emulator. Empty means
	// the region's public endpoint. FromEnv sets it from
	// AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL.
	BaseURL string
	// MetricsURL overrides the CloudWatch endpoint (activity.go). Empty
	// means the SDK's own resolution (AWS_ENDPOINT_URL_CLOUDWATCH,
	// AWS_ENDPOINT_URL).
	MetricsURL string
	// HTTPClient overrides AWS.HTTPClient when set.
	HTTPClient *http.Client
	// PollInterval is the first delay between polls in WaitReady and while
	// an AMI is created; it grows by half each poll up to MaxPollInterval.
	// Zero means DefaultPollInterval.
	PollInterval time.Duration
	// MaxPollInterval caps the poll delay. Zero means
	// DefaultMaxPollInterval, or PollInterval if that is larger.
	MaxPollInterval time.Duration
	// SnapshotTimeout bounds the wait for a new AMI to become available.
	// Zero means DefaultSnapshotTimeout.
	SnapshotTimeout time.Duration
	// SSHCIDR is the source range allowed to reach port 22 through the
	// spuff security group. Empty means DefaultSSHCIDR (anywhere).
	SSHCIDR string
	// RetryMaxAttempts is the SDK retryer's attempt limit per call. Zero
	// keeps the SDK's (3, or AWS_MAX_ATTEMPTS through AWS).
	RetryMaxAttempts int
	// RetryMaxBackoff caps the SDK retryer's backoff between attempts.
	// Zero keeps the SDK's (20 s).
	RetryMaxBackoff time.Duration
}

// computeAPI is the part of the EC2 client the provider uses.
type computeAPI interface {
	RunInstances(ctx context.Context, in *ec2.RunInstancesInput, opts ...func(*ec2.Options)) (*ec2.RunInstancesOutput, error)
	DescribeInstances(ctx context.Context, in *ec2.DescribeInstancesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstancesOutput, error)
	TerminateInstances(ctx context.Context, in *ec2.TerminateInstancesInput, opts ...func(*ec2.Options)) (*ec2.TerminateInstancesOutput, error)
	CreateImage(ctx context.Context, in *ec2.CreateImageInput, opts ...func(*ec2.Options)) (*ec2.CreateImageOutput, error)
	DescribeImages(ctx context.Context, in *ec2.DescribeImagesInput, opts ...func(*ec2.Options)) (*ec2.DescribeImagesOutput, error)
	DeregisterImage(ctx context.Context, in *ec2.DeregisterImageInput, opts ...func(*ec2.Options)) (*ec2.DeregisterImageOutput, error)
	DescribeSnapshots(ctx context.Context, in *ec2.DescribeSnapshotsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSnapshotsOutput, error)
	DeleteSnapshot(ctx context.Context, in *ec2.DeleteSnapshotInput, opts ...func(*ec2.Options)) (*ec2.DeleteSnapshotOutput, error)
	DescribeInstanceTypes(ctx context.Context, in *ec2.DescribeInstanceTypesInput, opts ...func(*ec2.Options)) (*ec2.DescribeInstanceTypesOutput, error)
	DescribeVpcs(ctx context.Context, in *ec2.DescribeVpcsInput, opts ...func(*ec2.Options)) (*ec2.DescribeVpcsOutput, error)
	DescribeSecurityGroups(ctx context.Context, in *ec2.DescribeSecurityGroupsInput, opts ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
	CreateSecurityGroup(ctx context.Context, in *ec2.CreateSecurityGroupInput, opts ...func(*ec2.Options)) (*ec2.CreateSecurityGroupOutput, error)
	AuthorizeSecurityGroupIngress(ctx context.Context, in *ec2.AuthorizeSecurityGroupIngressInput, opts ...func(*ec2.Options)) (*ec2.AuthorizeSecurityGroupIngressOutput, error)
}

// Provider is an EC2 region. It is safe for concurrent use.
type Provider struct {
	api             computeAPI
	metrics         metricsAPI // CloudWatch (activity.go)
	region          string
	poll, maxPoll   time.Duration
	snapshotTimeout time.Duration
	sshCIDR         string

	groupMu sync.Mutex
	groupID string // the spuff security group, once ensured

	sizesMu sync.Mutex
	sizes   []providers.Size // cached: a region's instance types do not change
}

var _ providers.Provider = (*Provider)(nil)

// New returns a provider for cfg.AWS.Region. It does no network I/O.
func New(cfg Config) (*Provider, error) {
	if cfg.AWS.Region == "" {
		return nil, errors.New("aws: no region: set AWS_REGION or a region in the AWS profile")
	}
	if cfg.AWS.Credentials == nil {
		return nil, authError("configure", errors.New("no credentials provider"))
	}
	p := &Provider{
		region:          cfg.AWS.Region,
		poll:            cfg.PollInterval,
		maxPoll:         cfg.MaxPollInterval,
		snapshotTimeout: cfg.SnapshotTimeout,
		sshCIDR:         cfg.SSHCIDR,
	}
	if p.poll <= 0 {
		p.poll = DefaultPollInterval
	}
	if p.maxPoll <= 0 {
		p.maxPoll = DefaultMaxPollInterval
	}
	p.maxPoll = max(p.maxPoll, p.poll)
	if p.snapshotTimeout <= 0 {
		p.snapshotTimeout = DefaultSnapshotTimeout
	}
	if p.sshCIDR == "" {
		p.sshCIDR = DefaultSSHCIDR
	}
	if _, _, err := net.ParseCIDR(p.sshCIDR); err != nil {
		return nil, fmt.Errorf("aws: SSH source range %q is not a CIDR block", p.sshCIDR)
	}
	awsCfg := cfg.AWS.Copy()
	awsCfg.Credentials = chainCredentials{cfg.AWS.Credentials}
	p.api = ec2.NewFromConfig(awsCfg, func(o *ec2.Options) {
		if cfg.BaseURL != "" {
			o.BaseEndpoint = awssdk.String(cfg.BaseURL)
		}
		if cfg.HTTPClient != nil {
			o.HTTPClient = cfg.HTTPClient
		}
		if cfg.RetryMaxAttempts > 0 {
			o.RetryMaxAttempts = cfg.RetryMaxAttempts
		}
		if cfg.RetryMaxBackoff > 0 {
			o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, cfg.RetryMaxBackoff)
		}
	})
	p.metrics = newMetricsAPI(awsCfg, cfg) // activity.go
	return p, nil
}

// Name returns "aws".
func (p *Provider) Name() string { return Name }

// Region returns the region the provider runs in.
func (p *Provider) Region() string { return p.region }

// chainCredentials marks errors of the credential chain, so that they map
// to ErrAuth rather than to an unknown failure.
type chainCredentials struct{ awssdk.CredentialsProvider }

func (c chainCredentials) Retrieve(ctx context.Context) (awssdk.Credentials, error) {
	cr, err := c.CredentialsProvider.Retrieve(ctx)
	if err != nil {
		return cr, &credentialsError{err}
	}
	return cr, nil
}

type credentialsError struct{ err error }

func (e *credentialsError) Error() string { return "retrieve AWS credentials: " + e.err.Error() }
func (e *credentialsError) Unwrap() error { return e.err }

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// nextPoll grows a poll delay by half, up to the cap.
func (p *Provider) nextPoll(d time.Duration) time.Duration { return min(d+d/2, p.maxPoll) }
