package grammar

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// token is one word of a /spuff line.
type token struct {
	text string
	// quoted reports whether the word began with a quote; a quoted word is
	// never a flag, so `"--draft"` can be a label.
	quoted bool
}

// normalizeLine undoes what chat clients do to typed text: curly quotes
// become straight ones, non-ASCII spaces (no-break, thin, ideographic)
// become plain spaces, and invisible characters (zero-width space, joiners,
// byte-order mark, soft hyphen) are dropped. ASCII input is returned as is.
func normalizeLine(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch r {
		case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad':
			continue
		case '“', '”', '„', '‟', '″', '«', '»':
			r = '"'
		case '‘', '’', '‚', '‛', '′':
			r = '\''
		}
		if r >= utf8.RuneSelf && unicode.IsSpace(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dashes are what autocorrect makes of a typed "--" (or "-") at the start of
// a flag: em dash, en dash, minus sign, hyphen and non-breaking hyphen.
var dashes = []string{"—", "–", "−", "‐", "‑"}

func isSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// lexer splits a normalised line into words on demand, so that a command
// like `key add` can take the rest of the line verbatim.
//
// A word that starts with a quote, or has a quote right after "=" (as in
// --image="my image"), runs to the matching quote that is followed by a
// space or the end of the line. Quotes inside a word are literal, so
// apostrophes need no escaping.
type lexer struct {
	s   string
	pos int
}

// next returns the next word; ok is false at the end of the line. The only
// error is an unclosed quote.
func (l *lexer) next() (tok token, ok bool, err error) {
	for l.pos < len(l.s) && isSpaceByte(l.s[l.pos]) {
		l.pos++
	}
	if l.pos >= len(l.s) {
		return token{}, false, nil
	}
	start := l.pos
	var b *strings.Builder // set once the word has a quoted part
	for l.pos < len(l.s) && !isSpaceByte(l.s[l.pos]) {
		c := l.s[l.pos]
		if (c == '"' || c == '\'') && (l.pos == start || l.s[l.pos-1] == '=') {
			end := closingQuote(l.s, l.pos+1, c)
			if end < 0 {
				return token{}, false, &Error{Msg: "quote not closed in " + codeWord(l.s[l.pos:])}
			}
			if b == nil {
				b = new(strings.Builder)
				b.WriteString(l.s[start:l.pos])
			}
			b.WriteString(l.s[l.pos+1 : end])
			if l.pos == start {
				tok.quoted = true
			}
			l.pos = end + 1
			continue
		}
		if b != nil {
			b.WriteByte(c)
		}
		l.pos++
	}
	if b != nil {
		tok.text = b.String()
	} else {
		tok.text = l.s[start:l.pos]
	}
	if !tok.quoted {
		tok.text = fixDash(tok.text)
	}
	return tok, true, nil
}

// rest returns the unread remainder of the line without surrounding space.
func (l *lexer) rest() string {
	r := strings.TrimSpace(l.s[l.pos:])
	l.pos = len(l.s)
	return r
}

// all returns every remaining word.
func (l *lexer) all() ([]token, error) {
	var toks []token
	for {
		t, ok, err := l.next()
		if err != nil || !ok {
			return toks, err
		}
		toks = append(toks, t)
	}
}

// closingQuote returns the index of the quote q at or after from that ends
// a word, or -1.
func closingQuote(s string, from int, q byte) int {
	for i := from; i < len(s); i++ {
		if s[i] == q && (i+1 == len(s) || isSpaceByte(s[i+1])) {
			return i
		}
	}
	return -1
}

// fixDash turns a leading autocorrected dash back into "--".
func fixDash(s string) string {
	if len(s) == 0 || s[0] < utf8.RuneSelf {
		return s
	}
	for _, d := range dashes {
		if rest, ok := strings.CutPrefix(s, d); ok {
			return "--" + strings.TrimLeft(rest, "-")
		}
	}
	return s
}

// isFlag reports whether a word is a flag: it starts with a dash and is not
// a negative number such as -2h.
func isFlag(t token) bool {
	s := t.text
	if t.quoted || s == "" || s[0] != '-' {
		return false
	}
	return len(s) == 1 || s[1] < '0' || s[1] > '9'
}

// codeWord formats a word a person typed for a message: in backticks, with
// backticks and control characters replaced and long words shortened.
func codeWord(s string) string {
	const max = 40
	var b strings.Builder
	b.WriteByte('`')
	n := 0
	for _, r := range s {
		if n == max {
			b.WriteString("…")
			break
		}
		switch {
		case r == '`':
			r = '\''
		case unicode.IsControl(r) || r == utf8.RuneError:
			r = '?'
		}
		b.WriteRune(r)
		n++
	}
	b.WriteByte('`')
	return b.String()
}
