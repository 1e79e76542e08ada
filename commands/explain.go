package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Describe turns err into the sentence a person sees and logs what an
// admin needs, in one place for every front end and for operations:
//
//   - a person's mistake (a refusal or a mistake in the command line, see
//     Refusal) is shown verbatim and not logged;
//   - a cloud's answer (a typed provider error, a cloud that kept failing,
//     a VM that never booted) names the cloud and what it said, and is
//     logged as a warning; the sentence needs no reference;
//   - anything else is our own bug: it is logged as an error with a new
//     reference, and the sentence is "something went wrong on our side"
//     with that reference.
//
// msg is the log message and attrs its extra attributes ("cmd", "user",
// "op", ...). ref is empty unless the sentence carries one.
func Describe(log *slog.Logger, msg string, err error, attrs ...any) (text, ref string) {
	if _, _, mistake := Refusal(err); mistake {
		return Explain(err, ""), ""
	}
	if cloudsFault(err) {
		log.Warn(msg, append(attrs, "err", err)...)
		return Explain(err, ""), ""
	}
	ref = NewRef()
	log.Error(msg, append(attrs, "ref", ref, "err", err)...)
	return Explain(err, ref), ref
}

// cloudsFault reports whether err is the cloud's doing, with a sentence of
// its own, rather than our bug.
func cloudsFault(err error) bool {
	var pe *providers.Error
	var ce *CloudError
	var be *BootError
	return errors.As(err, &pe) || errors.As(err, &ce) || errors.As(err, &be)
}

// Explain turns any error into a sentence a person can act on. A
// person's mistake (Refusal) is shown verbatim, its hint after a dash; a
// typed provider error becomes advice for its kind, naming the cloud; a
// cloud that kept failing or a VM that never booted says which cloud and
// what it answered; anything else is "something went wrong on our side"
// with ref, and the caller logs err with the same ref (Describe does
// both). It never includes a credential: the provider errors never carry
// one.
func Explain(err error, ref string) string {
	if msg, hint, mistake := Refusal(err); mistake {
		if hint == nil {
			return msg.Plain()
		}
		return msg.Plain() + " — " + hint.Plain()
	}
	var ce *CloudError
	if errors.As(err, &ce) {
		return ce.sentence()
	}
	var be *BootError
	if errors.As(err, &be) {
		return be.sentence()
	}
	var pe *providers.Error
	if errors.As(err, &pe) {
		return explainProvider(pe)
	}
	switch {
	case errors.Is(err, errNoSuchInstance):
		return err.Error()
	}
	return fmt.Sprintf("Something went wrong on our side (reference %s). An admin can find the details in the bot's log.", ref)
}

func explainProvider(pe *providers.Error) string {
	cloud := Label(pe.Provider)
	var s string
	switch pe.Kind {
	case providers.ErrAuth:
		s = fmt.Sprintf("%s refused spuffbot's credentials", cloud)
	case providers.ErrQuota:
		s = fmt.Sprintf("%s says the account's limit is reached", cloud)
	case providers.ErrRateLimited:
		s = fmt.Sprintf("%s is rate-limiting spuffbot", cloud)
		if pe.RetryAfter > 0 {
			s += fmt.Sprintf("; try again in %s", pe.RetryAfter.Round(time.Second))
		} else {
			s += "; try again in a minute"
		}
	case providers.ErrInvalid:
		s = fmt.Sprintf("%s rejected the request", cloud)
	case providers.ErrNotFound:
		s = fmt.Sprintf("%s could not find it", cloud)
	case providers.ErrConflict:
		s = fmt.Sprintf("%s says the name is already in use", cloud)
	case providers.ErrNotManaged:
		s = fmt.Sprintf("%s holds it without spuffbot's label, so spuffbot left it alone", cloud)
	case providers.ErrUnknownOutcome:
		s = fmt.Sprintf("%s did not answer clearly", cloud)
	default:
		s = fmt.Sprintf("%s failed", cloud)
	}
	if pe.Message != "" {
		s += ": " + strings.TrimSuffix(pe.Message, ".")
	}
	s += "."
	if pe.Hint != "" {
		s += " " + upperFirst(pe.Hint) + "."
	}
	return s
}

// CloudError is a cloud call whose outcome stayed unknown (timeouts,
// server errors, rate limits) until the operation's deadline.
type CloudError struct {
	Provider string
	// Action is what was asked, as in "create the VM".
	Action string
	// For is how long it was tried.
	For time.Duration
	// Last is the cloud's last answer.
	Last error
	// Left says what became of anything the cloud made late, as in
	// "nothing was created"; empty says nothing.
	Left string
}

func (e *CloudError) Error() string {
	return fmt.Sprintf("%s: %s: no clear answer for %s: %v", e.Provider, e.Action, e.For, e.Last)
}

// Unwrap returns the last answer.
func (e *CloudError) Unwrap() error { return e.Last }

func (e *CloudError) sentence() string {
	s := fmt.Sprintf("%s kept failing to %s for %s (its last answer: %s)", Label(e.Provider), e.Action, fmtWait(e.For), lastAnswer(e.Last))
	if e.Left != "" {
		s += "; " + e.Left
	}
	return s + "."
}

// lastAnswer is what a cloud answered, in words, without our wrapping.
func lastAnswer(err error) string {
	var pe *providers.Error
	switch {
	case errors.As(err, &pe) && pe.Message != "":
		return strings.TrimSuffix(pe.Message, ".")
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer in time"
	case errors.Is(err, providers.ErrRateLimited):
		return "rate limited"
	}
	return "no answer"
}

// BootError is a VM that was not ready by the boot deadline.
type BootError struct {
	Provider string
	Instance string
	After    time.Duration
	// Status is the cloud's last status of the VM, empty when unknown.
	Status providers.Status
	// Destroyed reports whether the VM was destroyed.
	Destroyed bool
}

func (e *BootError) Error() string {
	return fmt.Sprintf("%s: %s not ready after %s (status %q)", e.Provider, e.Instance, e.After, e.Status)
}

func (e *BootError) sentence() string {
	status := "gave no status for it"
	if e.Status != "" {
		status = fmt.Sprintf("last reported it as %s", e.Status)
	}
	s := fmt.Sprintf("`%s` was not ready after %s (%s %s)", e.Instance, fmtWait(e.After), Label(e.Provider), status)
	if e.Destroyed {
		return s + "; it was destroyed so that it does not bill."
	}
	return s + "; destroying it did not work yet, and the reconciler will report it to the admins."
}

// fmtWait writes a wait like 5m or 1m30s.
func fmtWait(d time.Duration) string {
	d = d.Round(time.Second)
	if d >= time.Minute && d%time.Minute == 0 {
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	if d < time.Second {
		return "less than a second"
	}
	return d.String()
}

func upperFirst(s string) string {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
