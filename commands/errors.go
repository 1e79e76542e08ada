package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/spuffbot/spuffbot/providers"
)

// UsageError is a refusal of something a person asked for: its text is
// shown to them verbatim; Hint, when set, says what they can do instead.
// A mistake in the command line itself is a *grammar.Error, shown the same
// way.
type UsageError struct {
	Msg  string
	Hint string
	// MsgText and HintText, when set, are Msg and Hint with the users and
	// channels they name kept as ids (see Text); Msg and Hint are then
	// their plain forms.
	MsgText, HintText Text
}

func (e *UsageError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + " — " + e.Hint
}

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

// Label returns a provider's display name, as its package registered it
// (providers.Cloud.Label); the name itself for a cloud not linked in.
func Label(provider string) string { return providers.Registered().Label(provider) }

var errNoSuchInstance = errors.New("no such instance")

// errStaleDown leaves an instance record alone that a down is no longer
// for.
var errStaleDown = errors.New("the instance is not the down's target")
