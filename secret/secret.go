// Package secret holds credentials so that they cannot leak by accident:
// a Value prints, formats and logs as "[redacted]", and tokens are read from
// NAME or from the file named by NAME_FILE.
package secret

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
)

const redacted = "[redacted]"

// Value is a credential. Only Reveal returns its text.
type Value struct{ s string }

// New wraps s.
func New(s string) Value { return Value{s: s} }

// Reveal returns the credential itself, for handing to an SDK.
func (v Value) Reveal() string { return v.s }

// Empty reports whether the credential is unset.
func (v Value) Empty() bool { return v.s == "" }

// String returns a redacted placeholder.
func (v Value) String() string { return redacted }

// GoString returns a redacted placeholder, for %#v.
func (v Value) GoString() string { return redacted }

// LogValue returns a redacted placeholder, for log/slog.
func (v Value) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText returns a redacted placeholder, so JSON never carries it.
func (v Value) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// FromEnv reads the credential named name from getenv(name), or, when that
// is empty, from the file named by getenv(name+"_FILE"). Surrounding
// whitespace is trimmed. An unset credential is the zero Value and no error;
// an unreadable file is an error naming the variable, never the content.
func FromEnv(getenv func(string) string, name string) (Value, error) {
	if v := strings.TrimSpace(getenv(name)); v != "" {
		return New(v), nil
	}
	path := getenv(name + "_FILE")
	if path == "" {
		return Value{}, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Value{}, fmt.Errorf("%s_FILE: cannot read %s: %w", name, path, unwrapPathErr(err))
	}
	return New(strings.TrimSpace(string(b))), nil
}

func unwrapPathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
