package providertest

import (
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// newTestEC2 starts an emulator for one test.
func newTestEC2(t *testing.T) *EC2 {
	t.Helper()
	e := NewEC2()
	t.Cleanup(e.Close)
	return e
}

// ec2Client returns the real SDK client for e in region, signing with
// keyID and not retrying.
func ec2Client(e *EC2, region, keyID string) *ec2.Client {
	return ec2.New(ec2.Options{
		Region:           region,
		BaseEndpoint:     awssdk.String(e.URL),
		Credentials:      credentials.NewStaticCredentialsProvider(keyID, "secret", ""),
		RetryMaxAttempts: 1,
	})
}

// apiCode returns the EC2 error code of err, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func ec2RunInput(e *EC2, region, token string) *ec2.RunInstancesInput {
	return &ec2.RunInstancesInput{
		ImageId:      awssdk.String(e.OfficialImageID(region, "debian-12-amd64-20250210-2019")),
		InstanceType: types.InstanceTypeT3Micro,
		MinCount:     awssdk.Int32(1),
		MaxCount:     awssdk.Int32(1),
		ClientToken:  awssdk.String(token),
		TagSpecifications: []types.TagSpecification{{ResourceType: types.ResourceTypeInstance,
			Tags: []types.Tag{{Key: awssdk.String("managed-by"), Value: awssdk.String("spuff")}}}},
	}
}

func TestEC2ClientTokenIdempotency(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	first, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok-1"))
	if err != nil {
		t.Fatalf("RunInstances() error = %v", err)
	}
	again, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok-1"))
	if err != nil {
		t.Fatalf("RunInstances(same token) error = %v", err)
	}
	if awssdk.ToString(again.ReservationId) != awssdk.ToString(first.ReservationId) ||
		awssdk.ToString(again.Instances[0].InstanceId) != awssdk.ToString(first.Instances[0].InstanceId) {
		t.Errorf("RunInstances(same token) = %s/%s, want the first reservation %s/%s",
			awssdk.ToString(again.ReservationId), awssdk.ToString(again.Instances[0].InstanceId),
			awssdk.ToString(first.ReservationId), awssdk.ToString(first.Instances[0].InstanceId))
	}
	if n := len(e.Instances()); n != 1 {
		t.Errorf("instances = %d, want 1", n)
	}
	changed := ec2RunInput(e, "us-east-1", "tok-1")
	changed.InstanceType = types.InstanceTypeT3Small
	if _, err := c.RunInstances(t.Context(), changed); apiCode(err) != "IdempotentParameterMismatch" {
		t.Errorf("RunInstances(same token, other type) error = %v, want IdempotentParameterMismatch", err)
	}
	if _, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok-2")); err != nil {
		t.Fatalf("RunInstances(tok-2) error = %v", err)
	}
	if n := len(e.Instances()); n != 2 {
		t.Errorf("instances after a second token = %d, want 2", n)
	}
}

func TestEC2InstanceLifecycleOnTheWire(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "eu-west-1", "AKID")
	run, err := c.RunInstances(t.Context(), ec2RunInput(e, "eu-west-1", "tok"))
	if err != nil {
		t.Fatalf("RunInstances() error = %v", err)
	}
	id := awssdk.ToString(run.Instances[0].InstanceId)
	if st := run.Instances[0].State.Name; st != types.InstanceStateNamePending {
		t.Errorf("RunInstances() state = %q, want pending", st)
	}
	desc := func() types.Instance {
		t.Helper()
		out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{id}})
		if err != nil || len(out.Reservations) != 1 || len(out.Reservations[0].Instances) != 1 {
			t.Fatalf("DescribeInstances(%s) = %+v, %v, want one instance", id, out, err)
		}
		return out.Reservations[0].Instances[0]
	}
	in := desc()
	if in.State.Name != types.InstanceStateNameRunning || !strings.HasPrefix(awssdk.ToString(in.PublicIpAddress), "203.0.113.") {
		t.Errorf("DescribeInstances() = %v %q, want running with a 203.0.113.0/24 address", in.State.Name, awssdk.ToString(in.PublicIpAddress))
	}
	if got := awssdk.ToString(in.Placement.AvailabilityZone); got != "eu-west-1a" {
		t.Errorf("availability zone = %q, want eu-west-1a", got)
	}
	if in.LaunchTime == nil || in.LaunchTime.IsZero() || len(in.Tags) != 1 {
		t.Errorf("DescribeInstances() = %+v, want a launch time and the tag", in)
	}
	term, err := c.TerminateInstances(t.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
	if err != nil || term.TerminatingInstances[0].CurrentState.Name != types.InstanceStateNameShuttingDown ||
		term.TerminatingInstances[0].PreviousState.Name != types.InstanceStateNameRunning {
		t.Fatalf("TerminateInstances() = %+v, %v, want running -> shutting-down", term, err)
	}
	if st := desc().State.Name; st != types.InstanceStateNameTerminated {
		t.Errorf("state after terminate = %q, want terminated", st)
	}
	if _, err := c.TerminateInstances(t.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{id}}); err != nil {
		t.Errorf("TerminateInstances(terminated) error = %v, want nil", err)
	}
	e.PurgeTerminated()
	for _, tc := range []struct{ id, code string }{
		{id, "InvalidInstanceID.NotFound"},
		{"i-nope", "InvalidInstanceID.Malformed"},
	} {
		if _, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{InstanceIds: []string{tc.id}}); apiCode(err) != tc.code {
			t.Errorf("DescribeInstances(%s) error = %v, want %s", tc.id, err, tc.code)
		}
	}
}

func TestEC2ReadyAfter(t *testing.T) {
	e := newTestEC2(t)
	e.SetReadyAfter(time.Hour)
	c := ec2Client(e, "us-east-1", "AKID")
	if _, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok")); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	in := out.Reservations[0].Instances[0]
	if in.State.Name != types.InstanceStateNamePending || in.PublicIpAddress != nil {
		t.Errorf("instance = %v %v, want pending without an address", in.State.Name, in.PublicIpAddress)
	}
}

func TestEC2RegionsAreSeparate(t *testing.T) {
	e := newTestEC2(t)
	east, west := ec2Client(e, "us-east-1", "AKID"), ec2Client(e, "us-west-2", "AKID")
	if _, err := east.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok")); err != nil {
		t.Fatal(err)
	}
	out, err := west.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{})
	if err != nil || len(out.Reservations) != 0 {
		t.Errorf("DescribeInstances(us-west-2) = %+v, %v, want none", out, err)
	}
	// AMI ids are per region too.
	name := "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305"
	if a, b := e.OfficialImageID("us-east-1", name), e.OfficialImageID("us-west-2", name); a == b || a == "" || b == "" {
		t.Errorf("OfficialImageID(%q) = %q and %q in two regions, want two different ids", name, a, b)
	}
	if _, err := west.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok")); apiCode(err) != "InvalidAMIID.NotFound" {
		t.Errorf("RunInstances(us-east-1 AMI in us-west-2) error = %v, want InvalidAMIID.NotFound", err)
	}
}

func TestEC2DescribeInstancesPagination(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	for _, tok := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		if _, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", tok)); err != nil {
			t.Fatal(err)
		}
	}
	e.AddInstance("us-east-1", map[string]string{"owner": "ops"})
	e.SetPageSize(3)
	pages := ec2.NewDescribeInstancesPaginator(c, &ec2.DescribeInstancesInput{
		Filters: []types.Filter{{Name: awssdk.String("tag:managed-by"), Values: []string{"spuff"}}},
	})
	n, seen := 0, 0
	for pages.HasMorePages() {
		out, err := pages.NextPage(t.Context())
		if err != nil {
			t.Fatalf("NextPage() error = %v", err)
		}
		n++
		for _, r := range out.Reservations {
			seen += len(r.Instances)
		}
	}
	if n != 3 || seen != 7 {
		t.Errorf("pagination = %d pages with %d instances, want 3 pages with 7", n, seen)
	}
	tests := []struct {
		name string
		in   *ec2.DescribeInstancesInput
		code string
	}{
		{"MaxResults too small", &ec2.DescribeInstancesInput{MaxResults: awssdk.Int32(4)}, "InvalidParameterValue"},
		{"ids with MaxResults", &ec2.DescribeInstancesInput{InstanceIds: []string{"i-0123456789abcdef0"}, MaxResults: awssdk.Int32(5)}, "InvalidParameterCombination"},
		{"bad token", &ec2.DescribeInstancesInput{NextToken: awssdk.String("garbage!")}, "InvalidPaginationToken"},
		{"unknown filter", &ec2.DescribeInstancesInput{Filters: []types.Filter{{Name: awssdk.String("colour"), Values: []string{"red"}}}}, "InvalidParameterValue"},
	}
	for _, tt := range tests {
		if _, err := c.DescribeInstances(t.Context(), tt.in); apiCode(err) != tt.code {
			t.Errorf("DescribeInstances(%s) error = %v, want %s", tt.name, err, tt.code)
		}
	}
}

func TestEC2InstanceFilters(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	for _, tok := range []string{"a", "b"} {
		if _, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", tok)); err != nil {
			t.Fatal(err)
		}
	}
	ids := e.Instances()
	if _, err := c.TerminateInstances(t.Context(), &ec2.TerminateInstancesInput{InstanceIds: []string{ids[0].ID}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeInstances(t.Context(), &ec2.DescribeInstancesInput{Filters: []types.Filter{
		{Name: awssdk.String("tag:managed-by"), Values: []string{"sp*"}},
		{Name: awssdk.String("instance-state-name"), Values: []string{"pending", "running"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range out.Reservations {
		for _, in := range r.Instances {
			got = append(got, awssdk.ToString(in.InstanceId))
		}
	}
	if diff := cmp.Diff([]string{ids[1].ID}, got); diff != "" {
		t.Errorf("DescribeInstances(live spuff) mismatch (-want +got):\n%s", diff)
	}
}

func TestEC2LaunchValidation(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	tests := []struct {
		name  string
		spoil func(*ec2.RunInstancesInput)
		code  string
	}{
		{"unknown type", func(in *ec2.RunInstancesInput) { in.InstanceType = "t3.gigantic" }, "InvalidParameterValue"},
		{"unknown AMI", func(in *ec2.RunInstancesInput) { in.ImageId = awssdk.String("ami-0123456789abcdef0") }, "InvalidAMIID.NotFound"},
		{"malformed AMI", func(in *ec2.RunInstancesInput) { in.ImageId = awssdk.String("ubuntu") }, "InvalidAMIID.Malformed"},
		{"bad user data", func(in *ec2.RunInstancesInput) { in.UserData = awssdk.String("not base64!") }, "InvalidParameterValue"},
		{"reserved tag", func(in *ec2.RunInstancesInput) {
			in.TagSpecifications[0].Tags = []types.Tag{{Key: awssdk.String("aws:x"), Value: awssdk.String("y")}}
		}, "InvalidParameterValue"},
		{"unknown group", func(in *ec2.RunInstancesInput) { in.SecurityGroupIds = []string{"sg-0123456789abcdef0"} }, "InvalidGroup.NotFound"},
		{"groups twice", func(in *ec2.RunInstancesInput) {
			in.SecurityGroupIds = []string{"sg-0123456789abcdef0"}
			in.NetworkInterfaces = []types.InstanceNetworkInterfaceSpecification{{DeviceIndex: awssdk.Int32(0)}}
		}, "InvalidParameterCombination"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ec2RunInput(e, "us-east-1", "tok-"+tt.name)
			tt.spoil(in)
			if _, err := c.RunInstances(t.Context(), in); apiCode(err) != tt.code {
				t.Errorf("RunInstances(%s) error = %v, want %s", tt.name, err, tt.code)
			}
		})
	}
	if n := len(e.Instances()); n != 0 {
		t.Errorf("instances after refused launches = %d, want 0", n)
	}
}

func TestEC2AccessKey(t *testing.T) {
	e := newTestEC2(t)
	e.RequireAccessKey("AKIDGOOD")
	if _, err := ec2Client(e, "us-east-1", "AKIDBAD").DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{}); apiCode(err) != "AuthFailure" {
		t.Errorf("DescribeVpcs(wrong key) error = %v, want AuthFailure", err)
	}
	if _, err := ec2Client(e, "us-east-1", "AKIDGOOD").DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs(right key) error = %v", err)
	}
	if got := e.Calls("DescribeVpcs"); got != 2 {
		t.Errorf("Calls(DescribeVpcs) = %d, want 2", got)
	}
}

func TestEC2Faults(t *testing.T) {
	e := newTestEC2(t)
	c := ec2Client(e, "us-east-1", "AKID")
	tests := []struct {
		status int
		code   string
	}{
		{http.StatusTooManyRequests, "RequestLimitExceeded"},
		{http.StatusServiceUnavailable, "Unavailable"},
		{http.StatusInternalServerError, "InternalError"},
		{http.StatusUnauthorized, "AuthFailure"},
	}
	for _, tt := range tests {
		e.FailNext(1, Fault{Status: tt.status})
		if _, err := c.DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{}); apiCode(err) != tt.code {
			t.Errorf("DescribeVpcs() with a %d fault error = %v, want %s", tt.status, err, tt.code)
		}
	}
	e.FailAction("RunInstances", http.StatusBadRequest, "VcpuLimitExceeded", "You have requested more vCPU capacity")
	if _, err := c.DescribeVpcs(t.Context(), &ec2.DescribeVpcsInput{}); err != nil {
		t.Errorf("DescribeVpcs() error = %v, want the RunInstances fault to wait for RunInstances", err)
	}
	if _, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok")); apiCode(err) != "VcpuLimitExceeded" {
		t.Errorf("RunInstances() error = %v, want VcpuLimitExceeded", err)
	}
	// A lost reply: the state changes, the client sees the failure.
	e.FailNext(1, Fault{Status: http.StatusInternalServerError, AfterServe: true})
	if _, err := c.RunInstances(t.Context(), ec2RunInput(e, "us-east-1", "tok")); apiCode(err) != "InternalError" {
		t.Errorf("RunInstances() with a lost reply error = %v, want InternalError", err)
	}
	if n := len(e.Instances()); n != 1 {
		t.Errorf("instances after a lost reply = %d, want 1", n)
	}
	if got := e.Calls("RunInstances"); got != 2 {
		t.Errorf("Calls(RunInstances) = %d, want 2", got)
	}
}

func TestEC2ErrorDocument(t *testing.T) {
	e := newTestEC2(t)
	resp, err := http.PostForm(e.URL, url.Values{"Action": {"LaunchRocket"}, "Version": {"2016-11-15"}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var doc struct {
		Errors struct {
			Error struct{ Code, Message string }
		}
		RequestID string
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	if resp.StatusCode != http.StatusBadRequest || doc.Errors.Error.Code != "InvalidAction" || doc.RequestID == "" {
		t.Errorf("POST Action=LaunchRocket = %d %s, want 400 with InvalidAction and a RequestID", resp.StatusCode, body)
	}
}
