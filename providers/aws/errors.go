package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/spuffbot/spuffbot/providers"
)

// Hints shown with typed errors. They name where credentials come from,
// never a credential.
const (
	hintAuth = "check the AWS credential chain: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, " +
		"web identity (AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN), AWS_PROFILE with the shared config files, " +
		"or the container or instance role"
	hintPermission = "the identity from the AWS credential chain (AWS_ACCESS_KEY_ID or AWS_PROFILE) " +
		"lacks an IAM permission for this EC2 action"
	hintQuota     = "raise the limit in the AWS Service Quotas console, or choose a smaller size or another region"
	hintThrottled = "EC2 is throttling this account's API calls; try again shortly"
)

// authCodes are EC2 error codes that mean the credentials are wrong.
var authCodes = map[string]bool{
	"AuthFailure": true, "InvalidClientTokenId": true, "SignatureDoesNotMatch": true,
	"IncompleteSignature": true, "MissingAuthenticationToken": true, "ExpiredToken": true,
	"RequestExpired": true, "UnrecognizedClientException": true, "OptInRequired": true,
	"Blocked": true, "PendingVerification": true,
}

var throttleCodes = map[string]bool{
	"RequestLimitExceeded": true, "Throttling": true, "ThrottlingException": true,
	"RequestThrottled": true, "RequestThrottledException": true,
}

// kindOf returns the typed error kind of an EC2 error code, or nil for
// codes without one.
func kindOf(code string) (kind error, hint string) {
	switch {
	case authCodes[code]:
		return providers.ErrAuth, hintAuth
	case code == "UnauthorizedOperation":
		return providers.ErrAuth, hintPermission
	case throttleCodes[code]:
		return providers.ErrRateLimited, hintThrottled
	case strings.HasSuffix(code, "LimitExceeded"), code == "InsufficientFreeAddressesInSubnet":
		return providers.ErrQuota, hintQuota
	case strings.HasPrefix(code, "InvalidAMIID."), strings.HasPrefix(code, "InvalidAMIName."):
		return providers.ErrInvalid, ""
	case strings.HasSuffix(code, ".NotFound"):
		return providers.ErrNotFound, ""
	case code == "IdempotentParameterMismatch":
		return providers.ErrInvalid, "an earlier request with the same operation id used other parameters"
	case strings.HasPrefix(code, "Invalid"), strings.HasPrefix(code, "Unsupported"),
		code == "MissingParameter", code == "IncorrectInstanceState", code == "VPCIdNotSpecified":
		return providers.ErrInvalid, ""
	}
	return nil, ""
}

// wrap turns an SDK error into a typed *providers.Error where EC2's code
// has a kind, and into a plain wrapped error otherwise. The error text
// never holds a credential: EC2's messages do not echo them.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("aws: %s: %w", op, err)
	}
	var ce *credentialsError
	if errors.As(err, &ce) {
		return authError(op, err)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		// No answer at all: a timeout or a dropped connection. The call
		// may have been carried out.
		return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrUnknownOutcome,
			Message: "no answer from EC2", Err: err}
	}
	kind, hint := kindOf(ae.ErrorCode())
	if kind == nil && serverFault(err) {
		kind = providers.ErrUnknownOutcome
	}
	if kind == nil {
		return fmt.Errorf("aws: %s: %w", op, err)
	}
	return &providers.Error{
		Provider: Name,
		Op:       op,
		Kind:     kind,
		Message:  ae.ErrorCode() + ": " + ae.ErrorMessage(),
		Hint:     hint,
		Err:      err,
	}
}

func authError(op string, err error) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrAuth,
		Message: "no usable AWS credentials", Hint: hintAuth, Err: err}
}

// serverFault reports whether EC2 answered err with a server error (5xx):
// the SDK's retries are spent and the call may have been carried out.
func serverFault(err error) bool {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode() >= 500
	}
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorFault() == smithy.FaultServer
}

// code returns EC2's error code of err, or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// invalid returns an ErrInvalid error of spuff's own making.
func invalid(op, msg, hint string) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid, Message: msg, Hint: hint}
}
