package hetzner

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
)

// Hints shown with typed errors. They name variables, never values.
const (
	hintAuth  = "check " + EnvToken + " (or " + EnvToken + "_FILE): it must be a read & write API token of the project"
	hintQuota = "delete unused servers or ask Hetzner to raise the project's limits (Cloud Console, Limits)"
	hintRate  = "the API allows 3600 requests per hour; wait and try again"
)

// typed turns an hcloud-go error into a *providers.Error when its kind is
// one spuff knows, and wraps it with op otherwise. resp may be nil. The
// token never appears: hcloud-go does not put it in errors.
func typed(op string, resp *hcloud.Response, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("hetzner: %s: %w", op, err)
	}
	pe := &providers.Error{Provider: Name, Op: op, Err: err}
	var apiErr hcloud.Error
	var argErr hcloud.ArgumentError
	var actionErr hcloud.ActionError
	switch {
	case errors.As(err, &apiErr):
		if r := apiErr.Response(); r != nil {
			resp = r
		}
		pe.Message = apiMessage(apiErr)
		switch apiErr.Code {
		case hcloud.ErrorCodeUnauthorized, hcloud.ErrorCodeForbidden:
			pe.Kind, pe.Hint = providers.ErrAuth, hintAuth
		case hcloud.ErrorCodeNotFound:
			pe.Kind = providers.ErrNotFound
		case hcloud.ErrorCodeUniquenessError:
			pe.Kind = providers.ErrConflict
		case hcloud.ErrorCodeInvalidInput, hcloud.ErrorCodeInvalidServerType,
			hcloud.ErrorCodeJSONError, hcloud.ErrorCodeProtected:
			pe.Kind = providers.ErrInvalid
		case hcloud.ErrorCodeRateLimitExceeded:
			pe.Kind, pe.Hint, pe.RetryAfter = providers.ErrRateLimited, hintRate, retryAfter(resp)
		case hcloud.ErrorCodeResourceLimitExceeded:
			pe.Kind, pe.Hint = providers.ErrQuota, hintQuota
		case hcloud.ErrorCodeServerError, hcloud.ErrorCodeTimeout, hcloud.ErrorCode("unavailable"),
			hcloud.ErrorCodeBadGateway, hcloud.ErrorCodeConflict, hcloud.ErrorCodeLocked:
			pe.Kind = providers.ErrUnknownOutcome
		default:
			if resp == nil || resp.Response == nil || resp.StatusCode < 500 {
				return fmt.Errorf("hetzner: %s: %w", op, err)
			}
			pe.Kind = providers.ErrUnknownOutcome
		}
	case errors.As(err, &argErr):
		pe.Kind, pe.Message = providers.ErrInvalid, string(argErr)
	case errors.As(err, &actionErr):
		pe.Kind, pe.Message = providers.ErrFailed, "action "+actionErr.Code+": "+actionErr.Message
	case errors.Is(err, hcloud.ErrStatusCode) && resp != nil && resp.Response != nil:
		// An error reply without Hetzner's JSON body, e.g. from a proxy.
		pe.Message = resp.Status
		switch resp.StatusCode {
		case http.StatusUnauthorized, http.StatusForbidden:
			pe.Kind, pe.Hint = providers.ErrAuth, hintAuth
		case http.StatusNotFound:
			pe.Kind = providers.ErrNotFound
		case http.StatusTooManyRequests:
			pe.Kind, pe.Hint, pe.RetryAfter = providers.ErrRateLimited, hintRate, retryAfter(resp)
		default:
			if resp.StatusCode < 500 {
				return fmt.Errorf("hetzner: %s: %w", op, err)
			}
			pe.Kind = providers.ErrUnknownOutcome
		}
	default:
		// No answer: a timeout or a dropped connection.
		pe.Kind, pe.Message = providers.ErrUnknownOutcome, "no answer from the API"
	}
	return pe
}

// apiMessage is Hetzner's message followed by the per-field messages of an
// invalid_input error.
func apiMessage(e hcloud.Error) string {
	details, ok := e.Details.(hcloud.ErrorDetailsInvalidInput)
	if !ok {
		return e.Message
	}
	var parts []string
	for _, f := range details.Fields {
		parts = append(parts, f.Messages...)
	}
	if len(parts) == 0 {
		return e.Message
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// retryAfter reads RateLimit-Reset (a Unix time): how long until the
// bucket refills, rounded up to the second; zero when the reply did not
// say or the time has passed.
func retryAfter(resp *hcloud.Response) time.Duration {
	if resp == nil || resp.Meta.Ratelimit.Reset.IsZero() {
		return 0
	}
	if d := time.Until(resp.Meta.Ratelimit.Reset); d > 0 {
		return (d + time.Second - 1).Truncate(time.Second)
	}
	return 0
}

// notFound reports whether err is a typed not-found error.
func notFound(err error) bool { return errors.Is(err, providers.ErrNotFound) }
