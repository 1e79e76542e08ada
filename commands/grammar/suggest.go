package grammar

import (
	"strings"
	"unicode/utf8"

	"github.com/spuffbot/spuffbot/suggest"
)

// maxSuggestLen bounds the words closest compares: nothing longer is within
// reach of the short words of the grammar, and it keeps the work small.
const maxSuggestLen = 32

// synonyms are words people try that are not part of the grammar, with the
// word they most likely meant. They are only ever suggested, never run.
var synonyms = map[string]string{
	"create":    "up",
	"new":       "up",
	"start":     "up",
	"launch":    "up",
	"spawn":     "up",
	"run":       "up",
	"delete":    "down",
	"remove":    "down",
	"kill":      "down",
	"terminate": "down",
	"ps":        "list",
	"show":      "status",
	"info":      "status",
	"describe":  "status",
	"renew":     "extend",
	"ttl":       "extend",
	"ssh":       "key",
	"backup":    "snapshot",
	"image":     "snapshot",
	"usage":     "help",
	"man":       "help",
}

// closest returns the candidate a person most likely meant by word: a
// synonym, the candidate within a small edit distance (typos, doubled or
// swapped letters), or the only candidate word is a prefix of. ok is false
// when nothing is close. Comparison ignores case; candidates are lowercase.
func closest(word string, candidates []string, syn map[string]string) (best string, ok bool) {
	word = strings.ToLower(strings.TrimLeft(word, "-"))
	if word == "" || len(word) > maxSuggestLen {
		return "", false
	}
	if s, found := syn[word]; found {
		return s, true
	}
	limit := 1
	if utf8.RuneCountInString(word) > 3 {
		limit = 2
	}
	bestDist := limit + 1
	for _, c := range candidates {
		if d := suggest.Distance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist <= limit {
		return best, true
	}
	if len(word) < 2 {
		return "", false
	}
	best = ""
	for _, c := range candidates {
		if strings.HasPrefix(c, word) {
			if best != "" {
				return "", false // ambiguous
			}
			best = c
		}
	}
	return best, best != ""
}

// suggestName returns the valid VM name closest to name: lowercased, with
// every run of other characters turned into one hyphen, "vm-" in front of a
// leading digit, cut to the length limit. It returns "" when nothing of
// name is left.
func suggestName(name string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(name) {
		if b.Len() >= 2*maxNameLen {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(r)
			continue
		}
		hyphen = true
	}
	s := b.String()
	if s == "" {
		return ""
	}
	if s[0] >= '0' && s[0] <= '9' {
		s = "vm-" + s
	}
	if len(s) > maxNameLen {
		s = strings.TrimRight(s[:maxNameLen], "-")
	}
	return s
}
