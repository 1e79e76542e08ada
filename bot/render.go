package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's limits on what one message may hold, and the share of them the
// renderers allow themselves.
const (
	maxBlocks      = 50   // blocks in one message
	maxSectionText = 3000 // characters in a section's text
	maxContextElem = 10   // elements in a context block
	// textBudget bounds the characters all blocks of one message carry, so
	// that an ack payload stays well below Socket Mode's 20 KiB.
	textBudget = 12000
)

// message is what the bot shows: Text is the plain fallback (used in
// notifications and by screen readers), Blocks the Block Kit layout.
type message struct {
	Text   md            `json:"text"`
	Blocks []slack.Block `json:"blocks,omitempty"`
}

// options returns the chat.* options that send m.
func (m message) options() []slack.MsgOption {
	opts := []slack.MsgOption{slack.MsgOptionText(string(m.Text), false)}
	if len(m.Blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(m.Blocks...))
	}
	return opts
}

// mrkdwn returns a mrkdwn text object.
func mrkdwn(text md) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, string(text), false, false)
}

// section returns a section block with mrkdwn text, cut to Slack's limit.
func section(text md) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(clipMD(text, maxSectionText)), nil, nil)
}

// fieldsSection returns a section block made of two-column fields.
func fieldsSection(fields ...md) *slack.SectionBlock {
	objs := make([]*slack.TextBlockObject, 0, len(fields))
	for _, f := range fields {
		objs = append(objs, mrkdwn(clipMD(f, 2000)))
	}
	return slack.NewSectionBlock(nil, objs, nil)
}

// contextBlock returns a context block of mrkdwn lines (at most ten).
func contextBlock(lines ...md) *slack.ContextBlock {
	elems := make([]slack.MixedElement, 0, len(lines))
	for i, l := range lines {
		if i == maxContextElem {
			break
		}
		elems = append(elems, mrkdwn(clipMD(l, maxSectionText)))
	}
	return slack.NewContextBlock("", elems...)
}

// header returns a header block (plain text, at most 150 characters).
func header(text string) *slack.HeaderBlock {
	return slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, clip(text, 150), true, false))
}

// textMessage returns a message of one section with text.
func textMessage(text md) message {
	return message{Text: plain(text), Blocks: []slack.Block{section(text)}}
}

// clip cuts s to at most n characters, ending it with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// plain returns a one-line fallback text: the first line of m, clipped.
func plain(m md) md {
	if l := mdLines(m); len(l) > 1 {
		m = l[0]
	}
	return clipMD(m, 300)
}

// hourly formats an hourly price in USD: $0.036/h.
func hourly(p float64, estimated bool) md {
	s := mdf("$%s/h", trimPrice(p))
	if estimated {
		s = "~" + s
	}
	return s
}

// monthly is the cost of running all month at p per hour (730 hours).
func monthly(p float64) md {
	return mdf("$%.2f/month", p*hoursPerMonth)
}

// hoursPerMonth is the hours in an average month, as clouds bill them.
const hoursPerMonth = 730

// trimPrice prints a price with enough digits for cheap hourly rates:
// 0.036, 0.5, 1.2, 12.
func trimPrice(p float64) string {
	s := fmt.Sprintf("%.4f", p)
	s = strings.TrimRight(s, "0")
	s = strings.TrimSuffix(s, ".")
	if s == "" || s == "-" {
		return "0"
	}
	return s
}

// clock formats a time for people: "Mon 18:00 UTC".
func clock(t time.Time) md {
	return esc(t.UTC().Format("Mon 15:04 UTC"))
}

// left formats a remaining duration: "7h 12m left", "expired 5m ago".
func left(d time.Duration) md {
	if d < 0 {
		return "expired " + esc(human(-d)) + " ago"
	}
	return esc(human(d)) + " left"
}

// human formats a duration coarsely: 3d 4h, 7h 12m, 12m, 40s.
func human(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= 24*time.Hour:
		days := d / (24 * time.Hour)
		h := (d % (24 * time.Hour)) / time.Hour
		if h == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd %dh", days, h)
	case d >= time.Hour:
		m := (d % time.Hour) / time.Minute
		if m == 0 {
			return fmt.Sprintf("%dh", d/time.Hour)
		}
		return fmt.Sprintf("%dh %dm", d/time.Hour, m)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}

// joinDot joins the non-empty parts with " · ".
func joinDot(parts ...md) md {
	out := make([]md, 0, len(parts))
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return mdJoin(out, " · ")
}

// packLines packs lines into sections of at most maxSectionText
// characters, within maxBlocks-reserved blocks and the text budget. It
// returns the sections and how many lines did not fit.
func packLines(lines []md, reserved, budget int) ([]slack.Block, int) {
	var blocks []slack.Block
	var cur []md
	curLen := 0
	used := 0
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, section(mdJoin(cur, "\n")))
			cur, curLen = nil, 0
		}
	}
	for i, l := range lines {
		l = clipMD(l, maxSectionText-1)
		n := utf8.RuneCountInString(string(l)) + 1
		// An escaped character (&lt;) costs more than itself once the
		// payload is JSON (\u0026lt;): count it against the budget so.
		cost := n + 5*strings.Count(string(l), "&")
		if used+cost > budget {
			flush()
			return blocks, len(lines) - i
		}
		if curLen+n > maxSectionText {
			if len(blocks)+2 > maxBlocks-reserved {
				flush()
				return blocks, len(lines) - i
			}
			flush()
		}
		if len(cur) == 0 {
			curLen = n - 1
		} else {
			curLen += n
		}
		cur = append(cur, l)
		used += cost
	}
	flush()
	return blocks, 0
}
