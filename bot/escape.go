package bot

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/spuffbot/spuffbot/commands"
)

// The escaping rule. Every string that came from a person or a cloud
// (names, ids, sizes, regions, labels, error texts, the Service's
// sentences) reaches Slack only through md: mrkdwn the bot vouches for.
// An md is made only here, from
//
//   - constants: an untyped string constant converts to md by itself, so
//     `section("*Cloud*")` compiles while `section(name)` does not;
//   - esc, which escapes &, < and > (code and mdf use it);
//   - user and channel, which build mentions from typed ids;
//   - commands.Text, whose plain parts are escaped and ids mentioned.
//
// Every block builder (section, fieldsSection, contextBlock, rootMessage,
// textMessage) and the fallback text of a message take md, so a renderer
// cannot hand Slack a string it did not escape: it does not compile. The
// only other way in, a conversion md(s), is allowed in this file alone
// (TestMdConversionsOnlyInEscape).

// md is Slack mrkdwn that is safe to send: constants, escaped text and
// mentions built from typed ids.
type md string

// mdEscaper escapes what Slack reads as markup: &, < and >. Slack asks
// for exactly these three, inside code spans and blocks too.
var mdEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// esc escapes text from a person or a cloud for mrkdwn: it cannot
// mention, link or notify.
func esc(s string) md { return md(mdEscaper.Replace(s)) }

// escape is esc as a string, for plain_text objects' neighbours that
// still need it (none today) and for tests.
func escape(s string) string { return mdEscaper.Replace(s) }

// code formats s as inline code, escaped; backticks inside are dropped.
func code(s string) md {
	return md("`" + strings.ReplaceAll(mdEscaper.Replace(s), "`", "'") + "`")
}

// codeBlock formats s as a code block, escaped.
func codeBlock(s string) md {
	return md("```" + strings.ReplaceAll(mdEscaper.Replace(s), "```", "'''") + "```")
}

// user mentions a user by id; spuffbot itself is named, not mentioned.
// An id that is not one Slack could have issued is shown escaped, as
// text: ids travel typed, but they are still data.
func user[T ~string](id T) md {
	switch s := string(id); {
	case s == "":
		return "someone"
	case s == commands.SystemActor:
		return "spuffbot"
	case !slackID(s, "UW"):
		return code(s)
	default:
		return md("<@" + s + ">")
	}
}

// channel mentions a channel by id, or shows a malformed one as text.
func channel[T ~string](id T) md {
	s := string(id)
	if !slackID(s, "CGD") {
		return code(s)
	}
	return md("<#" + s + ">")
}

// slackID reports whether s looks like a Slack id with one of the given
// first letters: that letter and 2 to 20 of [A-Z0-9].
func slackID(s, first string) bool {
	if len(s) < 3 || len(s) > 21 || !strings.ContainsRune(first, rune(s[0])) {
		return false
	}
	for _, r := range s[1:] {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

// text renders a commands.Text: plain parts escaped, users and channels
// mentioned.
func text(t commands.Text) md {
	var b strings.Builder
	for _, p := range t {
		switch p.Kind {
		case commands.PartUser:
			b.WriteString(string(user(p.S)))
		case commands.PartChannel:
			b.WriteString(string(channel(p.S)))
		default:
			b.WriteString(mdEscaper.Replace(p.S))
		}
	}
	return md(b.String())
}

// mdf formats like fmt.Sprintf into md: md arguments are kept as they
// are, every other argument is formatted with its verb and escaped.
func mdf(format md, args ...any) md {
	wrapped := make([]any, len(args))
	for i, a := range args {
		if m, ok := a.(md); ok {
			wrapped[i] = string(m)
			continue
		}
		wrapped[i] = escArg{a}
	}
	return md(fmt.Sprintf(string(format), wrapped...))
}

// escArg formats its value as fmt would, then escapes the result.
type escArg struct{ v any }

func (e escArg) Format(f fmt.State, verb rune) {
	_, _ = io.WriteString(f, mdEscaper.Replace(fmt.Sprintf(fmt.FormatString(f, verb), e.v)))
}

// mdJoin joins parts with sep.
func mdJoin(parts []md, sep md) md {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(string(sep))
		}
		b.WriteString(string(p))
	}
	return md(b.String())
}

// mdLines splits m into its lines.
func mdLines(m md) []md {
	ss := strings.Split(string(m), "\n")
	out := make([]md, len(ss))
	for i, s := range ss {
		out[i] = md(s)
	}
	return out
}

// upperMD capitalises the first letter of m.
func upperMD(m md) md { return md(upper(string(m))) }

// clipMD cuts m to at most n characters, ending it with "…" when cut,
// and never in the middle of an entity (&amp;) or a mention (<@U1>):
// a half entity or an open < would be markup of its own.
func clipMD(m md, n int) md {
	s := string(m)
	if utf8.RuneCountInString(s) <= n {
		return m
	}
	s = string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(s, '<'); i >= 0 && i > strings.LastIndexByte(s, '>') {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '&'); i >= 0 && i > strings.LastIndexByte(s, ';') {
		s = s[:i]
	}
	return md(s + "…")
}
