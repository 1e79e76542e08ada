package aws_test

import (
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

const (
	testRegion = "us-east-1"
	testKeyID  = "AKIDSPUFFTEST"
	// testSecret must never show up in an error.
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
)

// fixture is a provider pointed at a fresh EC2 emulator.
type fixture struct {
	emu *providertest.EC2
	p   *aws.Provider
}

// testConfig returns a Config for emu with tiny poll and retry delays.
func testConfig(emu *providertest.EC2) aws.Config {
	return aws.Config{
		AWS: awssdk.Config{
			Region:      testRegion,
			Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""),
		},
		BaseURL:         emu.URL,
		PollInterval:    time.Millisecond,
		MaxPollInterval: 5 * time.Millisecond,
		RetryMaxBackoff: time.Millisecond,
	}
}

func newFixture(t *testing.T, mods ...func(*aws.Config)) *fixture {
	t.Helper()
	emu := providertest.NewEC2()
	t.Cleanup(emu.Close)
	cfg := testConfig(emu)
	for _, m := range mods {
		m(&cfg)
	}
	p, err := aws.New(cfg)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return &fixture{emu: emu, p: p}
}

// request returns a valid create request for an instance of operation op.
func request(name, op string) providers.InstanceRequest {
	return providers.InstanceRequest{
		Name: name, Region: testRegion, Size: "t3.micro",
		Labels: map[string]string{providers.LabelOwner: "U024BE7LH", providers.LabelOp: op},
	}
}

func (f *fixture) create(t *testing.T, req providers.InstanceRequest) *providers.Instance {
	t.Helper()
	in, err := f.p.CreateInstance(t.Context(), req)
	if err != nil {
		t.Fatalf("CreateInstance(%q) error = %v", req.Name, err)
	}
	return in
}

// createReady creates an instance and waits until it is running.
func (f *fixture) createReady(t *testing.T, req providers.InstanceRequest) *providers.Instance {
	t.Helper()
	in := f.create(t, req)
	ready, err := f.p.WaitReady(t.Context(), in.ID)
	if err != nil {
		t.Fatalf("WaitReady(%q) error = %v", in.ID, err)
	}
	return ready
}

// rawClient returns a plain SDK client for emu, to act on the emulated
// account as someone other than spuff would.
func rawClient(emu *providertest.EC2) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:       testRegion,
		BaseEndpoint: awssdk.String(emu.URL),
		Credentials:  credentials.NewStaticCredentialsProvider(testKeyID, testSecret, ""),
	})
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Target {
		f := newFixture(t)
		return providertest.Target{
			Provider: f.p,
			AddUnmanaged: func(t *testing.T) {
				f.emu.AddInstance(testRegion, map[string]string{"Name": "hand-made", "team": "data"})
			},
			SetReadyAfter: f.emu.SetReadyAfter,
			Unmanaged: func(t *testing.T) string {
				return f.emu.AddInstance(testRegion, map[string]string{"Name": "billing-db"})
			},
			Faults: &providertest.FaultPoints{Knobs: &f.emu.Knobs, Create: "RunInstances",
				Destroy: "TerminateInstances", ServerError: 500},
		}
	})
}

func TestName(t *testing.T) {
	f := newFixture(t)
	if got := f.p.Name(); got != "aws" {
		t.Errorf("Name() = %q, want %q", got, "aws")
	}
	if got := f.p.Region(); got != testRegion {
		t.Errorf("Region() = %q, want %q", got, testRegion)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	creds := credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")
	tests := []struct {
		name string
		cfg  aws.Config
	}{
		{"no region", aws.Config{AWS: awssdk.Config{Credentials: creds}}},
		{"no credentials", aws.Config{AWS: awssdk.Config{Region: testRegion}}},
		{"bad SSH CIDR", aws.Config{AWS: awssdk.Config{Region: testRegion, Credentials: creds}, SSHCIDR: "everywhere"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := aws.New(tt.cfg); err == nil {
				t.Errorf("New(%s) = %v, nil, want an error", tt.name, p)
			}
		})
	}
}
