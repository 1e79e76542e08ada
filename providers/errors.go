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
