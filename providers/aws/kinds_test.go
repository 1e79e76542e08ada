package aws

import (
	"errors"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/spuffbot/spuffbot/providers"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		code string
		want error
	}{
		{"AuthFailure", providers.ErrAuth},
		{"UnauthorizedOperation", providers.ErrAuth},
		{"InvalidClientTokenId", providers.ErrAuth},
		{"SignatureDoesNotMatch", providers.ErrAuth},
		{"RequestLimitExceeded", providers.ErrRateLimited},
		{"InstanceLimitExceeded", providers.ErrQuota},
		{"VcpuLimitExceeded", providers.ErrQuota},
		{"SecurityGroupLimitExceeded", providers.ErrQuota},
		{"InvalidParameterValue", providers.ErrInvalid},
		{"InvalidAMIID.NotFound", providers.ErrInvalid},
		{"InvalidAMIID.Malformed", providers.ErrInvalid},
		{"IdempotentParameterMismatch", providers.ErrInvalid},
		{"MissingParameter", providers.ErrInvalid},
		{"InvalidInstanceID.NotFound", providers.ErrNotFound},
		{"InvalidGroup.NotFound", providers.ErrNotFound},
		{"InternalError", nil},
		{"InsufficientInstanceCapacity", nil},
	}
	for _, tt := range tests {
		if got, _ := kindOf(tt.code); got != tt.want {
			t.Errorf("kindOf(%q) = %v, want %v", tt.code, got, tt.want)
		}
	}
}

func TestWrapKeepsTheAPIError(t *testing.T) {
	api := &smithy.GenericAPIError{Code: "VcpuLimitExceeded", Message: "You have requested more vCPU capacity"}
	err := wrap("create instance", api)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Kind != providers.ErrQuota || pe.Hint == "" {
		t.Fatalf("wrap(%v) = %#v, want a quota *providers.Error with a hint", api, err)
	}
	var got smithy.APIError
	if !errors.As(err, &got) || got.ErrorCode() != "VcpuLimitExceeded" {
		t.Errorf("errors.As(wrap(%v), smithy.APIError) = %v, want the API error", api, got)
	}
	if wrap("x", nil) != nil {
		t.Errorf("wrap(nil) != nil")
	}
}
