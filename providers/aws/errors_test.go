package aws_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestThrottlingRetried(t *testing.T) {
	f := newFixture(t)
	f.emu.FailNext(2, providertest.Fault{Status: http.StatusTooManyRequests})
	if _, err := f.p.ListInstances(t.Context()); err != nil {
		t.Fatalf("ListInstances() after 2 throttled attempts error = %v, want the SDK to retry", err)
	}
	if calls := f.emu.Calls("DescribeInstances"); calls != 3 {
		t.Errorf("Calls(DescribeInstances) = %d, want 3 (2 throttled, 1 served)", calls)
	}
}

func TestThrottlingExhausted(t *testing.T) {
	f := newFixture(t, func(c *aws.Config) { c.RetryMaxAttempts = 2 })
	f.emu.FailNext(2, providertest.Fault{Status: http.StatusTooManyRequests})
	_, err := f.p.ListInstances(t.Context())
	if !errors.Is(err, providers.ErrRateLimited) {
		t.Errorf("ListInstances() error = %v, want ErrRateLimited", err)
	}
	if _, ok := providers.RetryAfter(err); !ok {
		t.Errorf("RetryAfter(%v) ok = false, want true", err)
	}
	if calls := f.emu.Calls("DescribeInstances"); calls != 2 {
		t.Errorf("Calls(DescribeInstances) = %d, want 2 attempts", calls)
	}
}

func TestLostRunInstancesReplyLaunchesOnce(t *testing.T) {
	f := newFixture(t)
	f.create(t, request("warm", "op-warm")) // the security group is ensured now
	req := request("box", "op-lost")
	// An AMI id as given: RunInstances is the create's only call.
	req.Image = providers.ImageSpec{Kind: providers.ImageCustom,
		ID: f.emu.OfficialImageID(testRegion, "debian-12-amd64-20250210-2019")}
	f.emu.ResetCalls()
	// EC2 launches, the reply is lost, the SDK retries with the same
	// ClientToken and gets the first launch back.
	f.emu.FailNext(1, providertest.Fault{Status: http.StatusInternalServerError, AfterServe: true})
	in := f.create(t, req)
	if calls := f.emu.Calls("RunInstances"); calls != 2 {
		t.Errorf("Calls(RunInstances) = %d, want 2 (the lost one and the retry)", calls)
	}
	var ids []string
	for _, got := range f.emu.Instances() {
		if got.Tags["spuff-op"] == "op-lost" {
			ids = append(ids, got.ID)
		}
	}
	if len(ids) != 1 || ids[0] != in.ID {
		t.Errorf("instances of op-lost = %v, want just %s", ids, in.ID)
	}
}

func TestBadCredentialsNameTheChain(t *testing.T) {
	f := newFixture(t)
	f.emu.RequireAccessKey("AKIDSOMEONEELSE")
	_, err := f.p.ListInstances(t.Context())
	if !errors.Is(err, providers.ErrAuth) {
		t.Fatalf("ListInstances() error = %v, want ErrAuth", err)
	}
	msg := err.Error()
	for _, want := range []string{"AWS_ACCESS_KEY_ID", "AWS_PROFILE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %s", msg, want)
		}
	}
	for e := error(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), testSecret) {
			t.Errorf("error chain holds the secret key: %q", e.Error())
		}
	}
}

func TestMissingCredentialsAreAuthErrors(t *testing.T) {
	f := newFixture(t, func(c *aws.Config) {
		c.AWS.Credentials = awssdk.CredentialsProviderFunc(func(context.Context) (awssdk.Credentials, error) {
			return awssdk.Credentials{}, errors.New("no EC2 IMDS role found")
		})
	})
	_, err := f.p.ListInstances(t.Context())
	if !errors.Is(err, providers.ErrAuth) || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("ListInstances() without credentials error = %v, want ErrAuth naming the chain", err)
	}
	if calls := f.emu.TotalCalls(); calls != 0 {
		t.Errorf("TotalCalls() = %d, want 0: nothing can be signed", calls)
	}
}

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		code   string
		status int
		want   error // nil: no typed kind
	}{
		{"AuthFailure", 401, providers.ErrAuth},
		{"UnauthorizedOperation", 403, providers.ErrAuth},
		{"InstanceLimitExceeded", 400, providers.ErrQuota},
		{"VcpuLimitExceeded", 400, providers.ErrQuota},
		{"InvalidParameterValue", 400, providers.ErrInvalid},
		{"InvalidAMIID.NotFound", 400, providers.ErrInvalid},
		{"InvalidAMIID.Malformed", 400, providers.ErrInvalid},
		{"InsufficientInstanceCapacity", 500, nil},
	}
	for _, tt := range tests {
		t.Run(tt.code, func(t *testing.T) {
			f := newFixture(t, func(c *aws.Config) { c.RetryMaxAttempts = 1 })
			f.emu.FailAction("RunInstances", tt.status, tt.code, "the cloud says no")
			_, err := f.p.CreateInstance(t.Context(), request("box", "op-1"))
			if err == nil {
				t.Fatalf("CreateInstance() with %s = nil error", tt.code)
			}
			for _, kind := range []error{providers.ErrAuth, providers.ErrQuota, providers.ErrInvalid, providers.ErrRateLimited, providers.ErrNotFound} {
				if got, want := errors.Is(err, kind), kind == tt.want; got != want {
					t.Errorf("CreateInstance() with %s: errors.Is(%v, %v) = %v, want %v", tt.code, err, kind, got, want)
				}
			}
			if !strings.Contains(err.Error(), "the cloud says no") {
				t.Errorf("CreateInstance() error = %q, want the cloud's message", err)
			}
		})
	}
}
