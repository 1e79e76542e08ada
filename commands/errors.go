package commands

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"

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

// Label returns a provider's display name, as its package registered it
// (providers.Cloud.Label); the name itself for a cloud not linked in.
func Label(provider string) string { return providers.Registered().Label(provider) }

var errNoSuchInstance = errors.New("no such instance")

// errStaleDown leaves an instance record alone that a down is no longer
// for.
var errStaleDown = errors.New("the instance is not the down's target")
