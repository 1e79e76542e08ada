package providers

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. A provider wraps the cloud's error so that callers can
// test the kind with errors.Is and still read the cloud's message.
var (
	ErrNotFound    = errors.New("not found")
	ErrAuth        = errors.New("authentication failed")
	ErrRateLimited = errors.New("rate limited")
	ErrQuota       = errors.New("quota exceeded")
	ErrInvalid     = errors.New("invalid request")
	// ErrUnknownOutcome means the call may or may not have been carried
	// out: it timed out, the connection dropped, or the cloud answered
	// with a server error (5xx) after the SDK's own retries. The caller
	// looks the resource up before it decides anything.
	ErrUnknownOutcome = errors.New("outcome unknown")
	// ErrConflict means the cloud refused a create because the name is
	// already in use (Hetzner's uniqueness_error, a 409). After a create
	// whose answer was lost it usually means the first one worked.
	ErrConflict = errors.New("name already in use")
	// ErrFailed means the cloud took the request and reports that
	// carrying it out failed: an action that errored, an image that did
	// not become available.
	ErrFailed = errors.New("failed at the cloud")
	// ErrNotManaged means a destructive call was refused because the
	// resource does not carry spuff's managed-by label.
	ErrNotManaged = errors.New("not managed by spuff")
)

// Error is a provider error: Kind is one of the sentinels above, Message is
// the cloud's own words (never containing a credential), Hint tells a person
// what to do about it.
type Error struct {
	Provider string
	Op       string // e.g. "create instance"
	Kind     error
	Message  string
	Hint     string
	// RetryAfter is how long to wait before trying again, set with
	// ErrRateLimited when the cloud said so.
	RetryAfter time.Duration
	// Err is the underlying error, if any.
	Err error
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	s := fmt.Sprintf("%s: %s: %s", e.Provider, e.Op, e.Kind)
	if msg != "" {
		s += ": " + msg
	}
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// RetryAfter returns how long err asks to wait, and whether it is a rate-limit
// error at all.
func RetryAfter(err error) (time.Duration, bool) {
	var pe *Error
	if errors.As(err, &pe) && pe.Kind == ErrRateLimited {
		return pe.RetryAfter, true
	}
	return 0, errors.Is(err, ErrRateLimited)
}

// OutcomeUnknown reports whether err leaves open whether the call was
// carried out: ErrUnknownOutcome, and a rate limit that outlasted the
// SDK's retries (an earlier attempt of the same call may have been
// served before the cloud started to refuse).
func OutcomeUnknown(err error) bool {
	return errors.Is(err, ErrUnknownOutcome) || errors.Is(err, ErrRateLimited)
}
