package config

import (
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"strings"
	"time"
)

// Examples quoted in problems, so a person sees a value that would work.
const (
	durationExamples = "examples: 2h, 90m, 1d"
	numberExample    = "example: 0.25"
)

// setText sets what ptr points to from s, the text of a YAML scalar or of
// an environment variable. It returns why s does not fit, or "" when it
// does; on failure *ptr is left alone. Lists take comma or space separated
// items; cloud_init text is kept as it is, other text is trimmed.
func setText(ptr any, s string) string {
	if p, ok := ptr.(cloudInitText); ok {
		*p.s = s // YAML text: leading indentation matters
		return ""
	}
	s = strings.TrimSpace(s)
	if p, ok := ptr.(timeout); ok {
		if n, err := strconv.ParseUint(s, 10, 32); err == nil {
			*p.d = time.Duration(n) * time.Second
			return ""
		}
		ptr = p.d
	}
	switch p := ptr.(type) {
	case *string:
		*p = s
	case settingText:
		p.m[p.key] = s
	case *OverBudget:
		*p = OverBudget(s)
	case *LogFormat:
		*p = LogFormat(s)
	case *[]string:
		*p = splitList(s)
	case *bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Sprintf("%q is not true or false", s)
		}
		*p = b
	case *int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Sprintf("%q is not a whole number (example: 3)", s)
		}
		*p = n
	case *float64:
		f, msg := parseNumber(s)
		if msg != "" {
			return msg
		}
		*p = f
	case **float64:
		if strings.EqualFold(s, "never") {
			*p = nil
			return ""
		}
		f, msg := parseNumber(s)
		if msg != "" {
			return msg + `, or "never"`
		}
		*p = &f
	case *time.Duration:
		d, ok := parseDuration(s)
		if !ok {
			return fmt.Sprintf("%q is not a duration (%s)", s, durationExamples)
		}
		*p = d
	case *slog.Level:
		l, ok := parseLevel(s)
		if !ok {
			return fmt.Sprintf("%q is not a log level (one of: debug, info, warn, error)", s)
		}
		*p = l
	default:
		panic(fmt.Sprintf("config: no text form for %T", ptr))
	}
	return ""
}

// splitList splits s at commas and white space, dropping empty items.
func splitList(s string) []string {
	items := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' })
	if len(items) == 0 {
		return nil
	}
	return items
}

// parseNumber parses a finite decimal number.
func parseNumber(s string) (float64, string) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Sprintf("%q is not a number (%s)", s, numberExample)
	}
	return f, ""
}

// parseDuration parses a Go duration such as "90m" or "1h30m", or a whole or
// fractional number of days in front of one: "2d", "1.5d", "1d12h". A bare
// 0 needs no unit. Case is ignored; a leading minus is kept so that
// Validate can say the value must not be negative.
func parseDuration(s string) (time.Duration, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "0" {
		return 0, true
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && n <= math.MaxInt64/int64(time.Second) {
		return sign(time.Duration(n)*time.Second, neg), true // plain seconds
	}
	var total time.Duration
	if days, rest, found := strings.Cut(s, "d"); found {
		v, err := strconv.ParseFloat(days, 64)
		if err != nil || !isDecimal(days) || v*float64(24*time.Hour) >= math.MaxInt64 {
			return 0, false
		}
		total, s = time.Duration(v*float64(24*time.Hour)), rest
		if s == "" {
			return sign(total, neg), true
		}
	}
	if s == "" || s[0] == '-' || s[0] == '+' {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if err != nil || d > math.MaxInt64-total {
		return 0, false
	}
	return sign(total+d, neg), true
}

func sign(d time.Duration, neg bool) time.Duration {
	if neg {
		return -d
	}
	return d
}

// isDecimal reports whether s is digits with at most one dot among them.
func isDecimal(s string) bool {
	digits, dots := 0, 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			dots++
		default:
			return false
		}
	}
	return digits > 0 && dots <= 1
}

// parseLevel parses debug, info, warn (or warning) and error, ignoring case.
func parseLevel(s string) (slog.Level, bool) {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "warn", "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	}
	return 0, false
}

// fmtDuration prints 2h, 90m, 3d rather than 2h0m0s.
func fmtDuration(d time.Duration) string {
	day := 24 * time.Hour
	switch {
	case d == 0:
		return "0"
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}
