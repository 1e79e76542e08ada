package hetzner

import (
	"strings"

	"github.com/spuffbot/spuffbot/providers"
)

// managedSelector selects what spuff created.
const managedSelector = providers.LabelManagedBy + "=" + providers.ManagedByValue

// maxLabel is the longest label name or value Hetzner accepts.
const maxLabel = 63

// spuffLabels returns the labels for a new resource: extra, sanitised to
// Hetzner's rules, plus managed-by=spuff, which extra cannot override.
// Labels whose key has no valid character left are dropped.
func spuffLabels(extra map[string]string) map[string]string {
	labels := make(map[string]string, len(extra)+1)
	for k, v := range extra {
		if k = labelKey(k); k != "" {
			labels[k] = labelValue(v)
		}
	}
	labels[providers.LabelManagedBy] = providers.ManagedByValue
	return labels
}

// managed reports whether labels mark a resource as spuff's.
func managed(labels map[string]string) bool {
	return labels[providers.LabelManagedBy] == providers.ManagedByValue
}

// labelValue makes v a valid label value: at most 63 characters from
// [A-Za-z0-9-_.], beginning and ending alphanumeric (or empty). Other
// characters become '-'.
func labelValue(v string) string {
	return trimToAlnum(replaceInvalid(v, func(r rune) bool {
		return isAlnum(r) || r == '-' || r == '_' || r == '.'
	}), maxLabel)
}

// labelKey makes k a valid label key: an optional lower-case DNS prefix and
// '/', then a name following the value rules that must not be empty. It
// returns "" when nothing valid is left.
func labelKey(k string) string {
	prefix, name, hasPrefix := cutLast(k, "/")
	if !hasPrefix {
		return labelValue(k)
	}
	name = labelValue(name)
	prefix = trimToAlnum(replaceInvalid(strings.ToLower(prefix), func(r rune) bool {
		return isAlnum(r) || r == '-' || r == '.'
	}), 253)
	switch {
	case name == "":
		return ""
	case prefix == "":
		return name
	default:
		return prefix + "/" + name
	}
}

// hostname makes name a valid server name (RFC 1123 label): lower case,
// at most 63 characters from [a-z0-9-], beginning and ending alphanumeric.
func hostname(name string) string {
	return trimToAlnum(replaceInvalid(strings.ToLower(name), func(r rune) bool {
		return isAlnum(r) || r == '-'
	}), maxLabel)
}

func replaceInvalid(s string, valid func(rune) bool) string {
	return strings.Map(func(r rune) rune {
		if valid(r) {
			return r
		}
		return '-'
	}, s)
}

// trimToAlnum cuts s to n bytes (s is ASCII by now) and trims
// non-alphanumeric characters from both ends.
func trimToAlnum(s string, n int) string {
	s = strings.TrimFunc(s, func(r rune) bool { return !isAlnum(r) })
	if len(s) > n {
		s = strings.TrimRightFunc(s[:n], func(r rune) bool { return !isAlnum(r) })
	}
	return s
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return "", s, false
}
