package commands

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spuffbot/spuffbot/commands/grammar"
)

// UserID is a chat user's id: a Slack user id ("U…"), or in the console
// the user's name. The domain names people by UserID only; each front end
// decides how to show one (Slack as a mention, the console as a name).
type UserID string

// ChannelID is a chat channel's id: a Slack channel id ("C…").
type ChannelID string

// PartKind says what a Part of a Text holds.
type PartKind int

// Kinds of Part.
const (
	// PartPlain is text for people: a front end escapes it as its
	// syntax needs, and never reads markup into it.
	PartPlain PartKind = iota
	// PartUser names a user by id.
	PartUser
	// PartChannel names a channel by id.
	PartChannel
)

// Part is one piece of a Text.
type Part struct {
	Kind PartKind
	// S is the text of a PartPlain, the id of a PartUser or PartChannel.
	S string
}

// Text is a sentence for people with the users and channels it names
// kept as typed ids, so that each front end renders them its own way and
// no chat syntax is written by the domain. Backticks in plain parts mark
// commands and names, as in Reply.Text.
type Text []Part

// Textf formats like fmt.Sprintf, except that a UserID or ChannelID
// argument becomes a part of its own (whatever its verb), so that it can
// be rendered as a mention.
func Textf(format string, args ...any) Text {
	var t Text
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			t = append(t, Part{Kind: PartPlain, S: plain.String()})
			plain.Reset()
		}
	}
	arg := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' {
			plain.WriteByte(c)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("+-# 0123456789.[]*", format[j]) >= 0 {
			j++
		}
		if j >= len(format) {
			plain.WriteString(format[i:])
			break
		}
		spec := format[i : j+1]
		i = j
		if spec == "%%" {
			plain.WriteByte('%')
			continue
		}
		if arg >= len(args) {
			plain.WriteString(spec + "(MISSING)")
			continue
		}
		switch v := args[arg].(type) {
		case UserID:
			flush()
			t = append(t, Part{Kind: PartUser, S: string(v)})
		case ChannelID:
			flush()
			t = append(t, Part{Kind: PartChannel, S: string(v)})
		default:
			plain.WriteString(fmt.Sprintf(spec, v))
		}
		arg++
	}
	flush()
	return t
}

// Plain returns t as plain text, users as "@id" and channels as "#id":
// the form of logs, error texts and front ends without mentions.
func (t Text) Plain() string {
	var b strings.Builder
	for _, p := range t {
		switch p.Kind {
		case PartUser:
			b.WriteString("@" + p.S)
		case PartChannel:
			b.WriteString("#" + p.S)
		default:
			b.WriteString(p.S)
		}
	}
	return b.String()
}

// Users lists ids as a Text: "@a, @b".
func Users(ids []string) Text {
	var t Text
	for i, id := range ids {
		if i > 0 {
			t = append(t, Part{Kind: PartPlain, S: ", "})
		}
		t = append(t, Part{Kind: PartUser, S: id})
	}
	return t
}

// Channels lists ids as a Text: "#a, #b".
func Channels(ids []string) Text {
	var t Text
	for i, id := range ids {
		if i > 0 {
			t = append(t, Part{Kind: PartPlain, S: ", "})
		}
		t = append(t, Part{Kind: PartChannel, S: id})
	}
	return t
}

// Concat returns the parts of ts one after another.
func Concat(ts ...Text) Text {
	var out Text
	for _, t := range ts {
		out = append(out, t...)
	}
	return out
}

// refuseText returns a UsageError whose message and hint name users or
// channels: a refusal shown to the person, each front end rendering the
// ids its own way.
func refuseText(hint, msg Text) error {
	return &UsageError{Msg: msg.Plain(), Hint: hint.Plain(), MsgText: msg, HintText: hint}
}

// Message returns the refusal as a Text.
func (e *UsageError) Message() Text {
	if e.MsgText != nil {
		return e.MsgText
	}
	return Text{{Kind: PartPlain, S: e.Msg}}
}

// HintMessage returns the hint as a Text, nil when there is none.
func (e *UsageError) HintMessage() Text {
	if e.HintText != nil {
		return e.HintText
	}
	if e.Hint == "" {
		return nil
	}
	return Text{{Kind: PartPlain, S: e.Hint}}
}

// Refusal reports whether err is a person's own mistake, shown to them
// verbatim and never logged as a fault: a refusal (*UsageError) or a
// mistake in the command line (*grammar.Error). It returns the message
// and the hint, nil when there is none.
func Refusal(err error) (msg, hint Text, ok bool) {
	var ue *UsageError
	if errors.As(err, &ue) {
		return ue.Message(), ue.HintMessage(), true
	}
	var ge *grammar.Error
	if errors.As(err, &ge) {
		msg = Text{{Kind: PartPlain, S: ge.Msg}}
		if ge.Hint != "" {
			hint = Text{{Kind: PartPlain, S: ge.Hint}}
		}
		return msg, hint, true
	}
	return nil, nil, false
}
