package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"

	"github.com/spuffbot/spuffbot/providers"
)

// authHint is what a person should do about a rejected token. It names the
// variables, never their values.
const authHint = "check " + EnvToken + " (or " + EnvToken + "_FILE): the token must be valid and have read and write scope"

// transientError is a failure that may go away: a 5xx reply, a transport
// error or an unreadable reply. The request may or may not have been
// carried out.
type transientError struct {
	op     string
	status int // 0 when no reply arrived
	err    error
}

func (e *transientError) Error() string {
	if e.status != 0 {
		return fmt.Sprintf("digitalocean: %s: server error %d: %v", e.op, e.status, e.err)
	}
	return fmt.Sprintf("digitalocean: %s: %v", e.op, e.err)
}

func (e *transientError) Unwrap() error { return e.err }

// Is reports whether target is providers.ErrUnknownOutcome: a transient
// failure leaves open whether the call was carried out.
func (e *transientError) Is(target error) bool { return target == providers.ErrUnknownOutcome }

// apiError maps a godo error to the provider's errors: *providers.Error for
// auth, not found, invalid, quota and rate limit; *transientError for
// server errors and lost replies; ctx's error when ctx has ended. It
// returns nil for a nil err.
func apiError(ctx context.Context, op string, resp *godo.Response, err error) error {
	if err == nil {
		return nil
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("digitalocean: %s: %w", op, ctxErr)
	}
	var argErr *godo.ArgError
	if errors.As(err, &argErr) {
		return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid, Message: argErr.Error()}
	}
	var er *godo.ErrorResponse
	if !errors.As(err, &er) || er.Response == nil {
		return &transientError{op: op, err: err}
	}
	status := er.Response.StatusCode
	// The godo error keeps the request, and the request keeps the
	// Authorization header: carry only its text.
	cause := fmt.Errorf("%d %s", status, er.Message)
	if req := er.Response.Request; req != nil && req.URL != nil {
		cause = fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, status, er.Message)
	}
	pe := &providers.Error{Provider: Name, Op: op, Message: er.Message, Err: cause}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		pe.Kind, pe.Hint = providers.ErrAuth, authHint
	case status == http.StatusNotFound:
		pe.Kind = providers.ErrNotFound
	case status == http.StatusTooManyRequests:
		pe.Kind = providers.ErrRateLimited
		pe.RetryAfter = retryAfter(er.Response.Header, time.Now())
		pe.Hint = "DigitalOcean's API rate limit was reached; try again later"
	case status == http.StatusUnprocessableEntity && isQuota(er.Message):
		pe.Kind, pe.Hint = providers.ErrQuota, "destroy unused droplets or ask DigitalOcean for a higher droplet limit"
	case status == http.StatusConflict:
		pe.Kind = providers.ErrConflict
	case status == http.StatusUnprocessableEntity || status == http.StatusBadRequest:
		pe.Kind = providers.ErrInvalid
	case status >= 500:
		return &transientError{op: op, status: status, err: cause}
	default:
		return fmt.Errorf("digitalocean: %s: unexpected reply: %w", op, cause)
	}
	if pe.Message == "" {
		pe.Message = http.StatusText(status)
	}
	return pe
}

// isQuota reports whether a 422 message is DigitalOcean's droplet limit
// ("creating this/these droplet(s) will exceed your droplet limit").
func isQuota(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "exceed") && strings.Contains(m, "limit")
}

// retryAfter returns the wait a 429 reply asks for: Retry-After (seconds or
// an HTTP date), else the time until RateLimit-Reset (Unix seconds), else 0.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.Atoi(v); err == nil && s >= 0 {
			return time.Duration(s) * time.Second
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("RateLimit-Reset")); v != "" {
		if s, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(s, 0).Sub(now), 0)
		}
	}
	return 0
}

// notFound reports whether err is a not-found error.
func notFound(err error) bool { return errors.Is(err, providers.ErrNotFound) }

// notManaged returns an ErrNotManaged error for op: a destructive call
// refused because the resource lacks spuff's tag.
func notManaged(op, format string, args ...any) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotManaged, Message: fmt.Sprintf(format, args...)}
}

// invalid returns an ErrInvalid error for op.
func invalid(op, format string, args ...any) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid, Message: fmt.Sprintf(format, args...)}
}
