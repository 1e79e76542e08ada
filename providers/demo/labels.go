package demo

import (
	"strings"

	"github.com/spuffbot/spuffbot/providers"
)

// maxLabelLen is the longest label key or value the demo cloud keeps.
const maxLabelLen = 63

// managedLabels returns the labels of a resource spuff creates: the
// request's labels, sanitised, plus managed-by=spuff, which a request cannot
// override. Keys that sanitise to nothing are dropped.
func managedLabels(req map[string]string) map[string]string {
	out := make(map[string]string, len(req)+1)
	for k, v := range req {
		if k = sanitizeLabel(k); k != "" {
			out[k] = sanitizeLabel(v)
		}
	}
	out[providers.LabelManagedBy] = providers.ManagedByValue
	return out
}

// sanitizeLabel turns s into a valid label key or value: characters other
// than letters, digits, '-', '_' and '.' become '-', the result is cut to
// 63 characters and must begin and end with a letter or digit.
func sanitizeLabel(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !isAlnum(c) && c != '-' && c != '_' && c != '.' {
			b[i] = '-'
		}
	}
	s = string(b)
	if len(s) > maxLabelLen {
		s = s[:maxLabelLen]
	}
	return strings.TrimFunc(s, func(r rune) bool { return r >= 0x80 || !isAlnum(byte(r)) })
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// managed reports whether labels mark a resource as spuff's.
func managed(labels map[string]string) bool {
	return labels[providers.LabelManagedBy] == providers.ManagedByValue
}
