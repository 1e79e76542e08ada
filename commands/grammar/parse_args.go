package grammar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/spuffbot/spuffbot/providers"
)

// maxNameLen is the longest VM name: it fits DigitalOcean, Hetzner and AWS.
const maxNameLen = 40

// Limits on other values a person types.
const (
	maxLabelLen = 64  // snapshot create label
	maxValueLen = 255 // image, snapshot id, fingerprint and the like
)

// CheckName returns nil if name is a valid VM name, else an *Error
// saying what is wrong, with the closest valid name as hint when there is
// one. A valid name is 1 to 40 lowercase letters, digits and hyphens,
// starts with a letter and does not end with a hyphen.
func CheckName(name string) error {
	problem, fix := nameProblem(name)
	if problem == "" {
		return nil
	}
	hint := "use lowercase letters, digits and hyphens, starting with a letter"
	if fix != "" {
		hint = "try " + codeWord(fix)
	}
	return &Error{Msg: problem, Hint: hint}
}

// nameProblem returns what is wrong with name ("" if nothing) and the
// closest valid name ("" if none).
func nameProblem(name string) (problem, fix string) {
	if name == "" {
		return "the name is empty", ""
	}
	upper, first := false, rune(0)
	for i, r := range name {
		if i == 0 {
			first = r
		}
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
		case r >= 'A' && r <= 'Z':
			upper = true
		default:
			problem = "name " + codeWord(name) + " may contain only lowercase letters, digits and hyphens"
		}
		if problem != "" {
			break
		}
	}
	n := utf8.RuneCountInString(name)
	switch {
	case problem != "":
	case upper:
		problem = "name " + codeWord(name) + " has uppercase letters; names are lowercase"
	case first < 'a' || first > 'z':
		problem = "name " + codeWord(name) + " must start with a letter"
	case strings.HasSuffix(name, "-"):
		problem = "name " + codeWord(name) + " must not end with a hyphen"
	case n > maxNameLen:
		problem = fmt.Sprintf("name %s is %d characters long; the limit is %d", codeWord(name), n, maxNameLen)
	default:
		return "", ""
	}
	if fix = suggestName(name); fix == name {
		fix = ""
	}
	return problem, fix
}

// ParseDuration parses a Go duration such as "90m" or "1h30m", and also
// whole or fractional days in front: "2d", "1.5d", "1d12h". Case is
// ignored and a leading sign is allowed, as in time.ParseDuration.
func ParseDuration(s string) (time.Duration, error) {
	d, reason := parseDuration(s)
	if reason != "" {
		return 0, fmt.Errorf("duration %q: %s", s, reason)
	}
	return d, nil
}

// parseDuration is ParseDuration with the reason for a failure as a phrase.
func parseDuration(s string) (time.Duration, string) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return 0, "empty"
	}
	neg := false
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	if isDecimal(s) {
		if v, err := strconv.ParseFloat(s, 64); err == nil && v == 0 {
			return 0, ""
		}
		return 0, "missing unit"
	}
	var total time.Duration
	if days, rest, found := strings.Cut(s, "d"); found {
		if !isDecimal(days) {
			return 0, "not a number of days"
		}
		v, err := strconv.ParseFloat(days, 64)
		if err != nil || v*float64(24*time.Hour) >= math.MaxInt64 {
			return 0, "out of range"
		}
		total, s = time.Duration(v*float64(24*time.Hour)), rest
	}
	if s != "" {
		if s[0] == '+' || s[0] == '-' {
			return 0, "sign in the middle"
		}
		d, err := time.ParseDuration(s)
		if err != nil {
			return 0, "not a number with a unit"
		}
		if d > math.MaxInt64-total {
			return 0, "out of range"
		}
		total += d
	}
	if neg {
		total = -total
	}
	return total, ""
}

// isDecimal reports whether s is digits with at most one decimal point.
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] >= '0' && s[i] <= '9':
			digits++
		case s[i] == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// providerNames maps every accepted spelling of a provider — the name and
// the aliases its package registered (providers.Cloud) — to its registry
// name, and returns the spellings too, for suggestions.
func providerNames() (names map[string]string, words []string) {
	names = map[string]string{}
	for _, c := range providers.Registered().Clouds() {
		for _, w := range append([]string{c.Name}, c.Aliases...) {
			names[w] = c.Name
			words = append(words, w)
		}
	}
	return names, words
}

// orList writes names as "`a`, `b` or `c`".
func orList(names []string) string {
	var b strings.Builder
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			b.WriteString(" or ")
		default:
			b.WriteString(", ")
		}
		b.WriteString("`" + n + "`")
	}
	return b.String()
}

// slugProblem says what is wrong with a size or region slug: lowercase
// letters, digits, dots, underscores and hyphens.
func slugProblem(s string) string {
	if len(s) > maxValueLen {
		return "is too long"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return "may contain only letters, digits, dots, underscores and hyphens"
		}
	}
	return ""
}

// refProblem says what is wrong with an identifier passed through to a
// cloud (image, snapshot id, fingerprint): printable, no spaces, bounded.
func refProblem(s string) string {
	if utf8.RuneCountInString(s) > maxValueLen {
		return "is too long"
	}
	for _, r := range s {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '`' {
			return "has characters no cloud id has"
		}
	}
	return ""
}

// textProblem says what is wrong with free text such as a snapshot label.
func textProblem(s string, limit int) string {
	if n := utf8.RuneCountInString(s); n > limit {
		return fmt.Sprintf("is %d characters long; the limit is %d", n, limit)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) && r != ' ' || r == '`' {
			return "has characters that cannot be shown"
		}
	}
	return ""
}

// normImage lowercases the well-known image names (ubuntu, ubuntu-24.04,
// debian, debian-12) and passes anything else through.
func normImage(s string) string {
	l := strings.ToLower(s)
	if l == "ubuntu" || l == "debian" || strings.HasPrefix(l, "ubuntu-") || strings.HasPrefix(l, "debian-") {
		return l
	}
	return s
}
