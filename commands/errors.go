package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// refuse returns a UsageError: a refusal shown to the person verbatim.
func refuse(hint, format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// NewRef returns a short reference that ties a message a person sees to
// the log line with the details.
func NewRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Explain turns any error into a sentence a person can act on. A
// UsageError is shown verbatim; a typed provider error becomes advice for
// its kind; anything else is "something went wrong" with ref, and the
// caller logs err with the same ref. It never includes a credential: the
// provider errors never carry one.
func Explain(err error, ref string) string {
	var ue *UsageError
	if errors.As(err, &ue) {
		return ue.Error()
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

func upperFirst(s string) string {
	s = strings.TrimSuffix(s, ".")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Label returns a provider's display name, as its package registered it
// (providers.Cloud.Label); the name itself for a cloud not linked in.
func Label(provider string) string { return providers.Registered().Label(provider) }

var errNoSuchInstance = errors.New("no such instance")
