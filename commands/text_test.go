package commands

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
)

func TestTextf(t *testing.T) {
	tests := []struct {
		name   string
		format string
		args   []any
		want   Text
		plain  string
	}{
		{"plain only", "`%s` is %d%%", []any{"box", 5}, Text{{PartPlain, "`box` is 5%"}}, "`box` is 5%"},
		{"user in the middle", "`%s` belongs to %s; ask them", []any{"box", UserID("U1")},
			Text{{PartPlain, "`box` belongs to "}, {PartUser, "U1"}, {PartPlain, "; ask them"}}, "`box` belongs to @U1; ask them"},
		{"channel first", "%s only", []any{ChannelID("C1")}, Text{{PartChannel, "C1"}, {PartPlain, " only"}}, "#C1 only"},
		{"a user's text stays text", "image %s", []any{"<@U2> <!channel>"},
			Text{{PartPlain, "image <@U2> <!channel>"}}, "image <@U2> <!channel>"},
		{"width and precision", "%5.1f|%-3s|", []any{1.25, "a"}, Text{{PartPlain, "  1.2|a  |"}}, "  1.2|a  |"},
		{"missing argument", "a %s", nil, Text{{PartPlain, "a %s(MISSING)"}}, "a %s(MISSING)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Textf(tt.format, tt.args...)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Textf(%q) (-want +got):\n%s", tt.format, diff)
			}
			if p := got.Plain(); p != tt.plain {
				t.Errorf("Textf(%q).Plain() = %q, want %q", tt.format, p, tt.plain)
			}
		})
	}
}

func TestRefuseTextKeepsIDs(t *testing.T) {
	err := refuseText(Concat(Textf("ask one of: "), Users([]string{"U1", "U2"})), Textf("`%s` belongs to %s", "box", UserID("U3")))
	ue := err.(*UsageError)
	if got, want := ue.Error(), "`box` belongs to @U3 — ask one of: @U1, @U2"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var users []string
	for _, p := range Concat(ue.Message(), ue.HintMessage()) {
		if p.Kind == PartUser {
			users = append(users, p.S)
		}
	}
	if diff := cmp.Diff([]string{"U3", "U1", "U2"}, users); diff != "" {
		t.Errorf("user parts (-want +got):\n%s", diff)
	}
}

// TestRefusal checks which errors are a person's own mistake: a refusal
// of the Service and a mistake in the command line, wrapped or not, each
// with its message and hint.
func TestRefusal(t *testing.T) {
	ids := refuseText(Textf("ask %s", UserID("U1")), Textf("`box` belongs to %s", UserID("U2")))
	tests := []struct {
		name      string
		err       error
		msg, hint Text
		mistake   bool
	}{
		{"refusal", fmt.Errorf("accept: %w", refuse("try `huge`", "unknown size `hugee`")),
			Text{{PartPlain, "unknown size `hugee`"}}, Text{{PartPlain, "try `huge`"}}, true},
		{"refusal naming people", ids, Textf("`box` belongs to %s", UserID("U2")), Textf("ask %s", UserID("U1")), true},
		{"command line", fmt.Errorf("parse: %w", &grammar.Error{Msg: "unknown command `upp`", Hint: "did you mean `up`?"}),
			Text{{PartPlain, "unknown command `upp`"}}, Text{{PartPlain, "did you mean `up`?"}}, true},
		{"command line without hint", &grammar.Error{Msg: "quote not closed"}, Text{{PartPlain, "quote not closed"}}, nil, true},
		{"our own bug", errors.New("bolt: database not open"), nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, hint, mistake := Refusal(tt.err)
			if mistake != tt.mistake {
				t.Fatalf("Refusal(%v) mistake = %v, want %v", tt.err, mistake, tt.mistake)
			}
			if diff := cmp.Diff(tt.msg, msg); diff != "" {
				t.Errorf("Refusal(%v) msg (-want +got):\n%s", tt.err, diff)
			}
			if diff := cmp.Diff(tt.hint, hint); diff != "" {
				t.Errorf("Refusal(%v) hint (-want +got):\n%s", tt.err, diff)
			}
		})
	}
}

// TestNoChatSyntaxInDomain checks the rule that the domain returns
// structure: no source file of the package writes a Slack mention,
// channel link or broadcast; front ends render UserID and ChannelID.
func TestNoChatSyntaxInDomain(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, syntax := range []string{"<@", "<#", "<!"} {
				if strings.Contains(line, syntax) {
					t.Errorf("%s:%d writes %q: return a UserID or ChannelID and let the front end render it", f, i+1, syntax)
				}
			}
		}
	}
}
