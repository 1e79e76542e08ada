package config

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/spuffbot/spuffbot/suggest"
)

// Problem is one mistake in the configuration.
type Problem struct {
	// Path is the setting's YAML path, such as "policy.max_lease" or
	// "policy.admins[1]" (items count from 0), or, when the value came from
	// the environment, the variable, such as "SPUFF_MAX_LEASE". It is empty
	// for a problem with the file as a whole.
	Path string
	// Line is the line of the file the problem is on; 0 when the value did
	// not come from the file.
	Line int
	// Msg says what is wrong and what would be allowed.
	Msg string
}

// String returns "line 12: policy.max_lease: msg", leaving out the parts
// that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// ValidationError lists every problem found in a configuration.
type ValidationError struct {
	// File is the configuration file's path; empty when there was none.
	File     string
	Problems []Problem
}

// Error returns one problem per line, each prefixed with "file:line: " when
// it is in the file.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		switch {
		case e.File != "" && p.Line > 0:
			lines[i] = fmt.Sprintf("%s:%d: %s", e.File, p.Line, Problem{Path: p.Path, Msg: p.Msg})
		case e.File != "" && p.Path == "":
			lines[i] = e.File + ": " + p.Msg
		default:
			lines[i] = p.String()
		}
	}
	return strings.Join(lines, "\n")
}

// problems collects problems while a configuration is read.
type problems []Problem

func (ps *problems) add(path string, line int, format string, args ...any) {
	*ps = append(*ps, Problem{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// maxSuggestLen bounds the words closest compares; nothing longer is close
// to a setting name, and it keeps the work small.
const maxSuggestLen = 40

// closest returns the candidate a person most likely meant by word: equal
// but for case, hyphens or spaces, within a small edit distance, or the
// only candidate word is a prefix of. ok is false when nothing is close.
func closest(word string, candidates []string) (best string, ok bool) {
	norm := func(s string) string {
		return strings.NewReplacer("-", "_", " ", "_").Replace(strings.ToLower(s))
	}
	w := norm(word)
	if w == "" || len(w) > maxSuggestLen {
		return "", false
	}
	limit := 1
	if utf8.RuneCountInString(w) > 4 {
		limit = 2
	}
	bestDist := limit + 1
	for _, c := range candidates {
		if d := suggest.Distance(w, norm(c)); d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist <= limit {
		return best, true
	}
	best = ""
	for _, c := range candidates {
		if len(w) >= 3 && strings.HasPrefix(norm(c), w) {
			if best != "" {
				return "", false // ambiguous
			}
			best = c
		}
	}
	return best, best != ""
}
