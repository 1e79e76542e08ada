package grammar

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// grammarVerbs are the verbs a successful Parse may return.
var grammarVerbs = map[Verb]bool{
	VerbUp: true, VerbDown: true, VerbList: true, VerbStatus: true, VerbSnapshot: true,
	VerbExtend: true, VerbKey: true, VerbSizes: true, VerbAudit: true, VerbHelp: true,
}

// FuzzParse checks that Parse never panics, that every error is a
// *Error with a message and a hint, and that every command it returns
// is one the Service can run. The seed corpus is in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add("up box --size cx22 --ttl 2d")
	f.Add("key add ssh-ed25519 AAAA me@laptop")
	f.Add("audit 50")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse(text)
		if err != nil {
			checkError(t, text, err)
			return
		}
		checkCommand(t, text, c)
		lex := lexer{s: normalizeLine(text)}
		if first, ok, _ := lex.next(); ok && !first.quoted && strings.EqualFold(first.text, "/spuff") {
			return // "/spuff /spuff ..." differs from "/spuff ..." on purpose
		}
		again, err := Parse("/spuff " + text)
		if err != nil || again != c {
			t.Errorf("Parse(%q) = %+v, %v; want %+v as without /spuff", "/spuff "+text, again, err, c)
		}
	})
}

func checkError(t *testing.T, text string, err error) {
	t.Helper()
	var ue *Error
	if !errors.As(err, &ue) || ue == nil {
		t.Fatalf("Parse(%q) error = %T %v, want an *Error", text, err, err)
	}
	if ue.Msg == "" || ue.Hint == "" {
		t.Errorf("Parse(%q) = %#v, want a message and a hint", text, ue)
	}
	if msg := err.Error(); !utf8.ValidString(msg) || len(msg) > 600 {
		t.Errorf("Parse(%q) error text is %d bytes (valid UTF-8: %v), want short valid text", text, len(msg), utf8.ValidString(msg))
	}
}

func checkCommand(t *testing.T, text string, c Command) {
	t.Helper()
	if !grammarVerbs[c.Verb] {
		t.Fatalf("Parse(%q).Verb = %q, want a verb of the grammar", text, c.Verb)
	}
	if c.Name != "" || c.Verb == VerbDown || c.Verb == VerbStatus || c.Verb == VerbExtend || c.Sub == "create" {
		if err := CheckName(c.Name); err != nil {
			t.Errorf("Parse(%q).Name = %q, invalid: %v", text, c.Name, err)
		}
	}
	if c.TTL < 0 || (c.Verb == VerbExtend && c.TTL <= 0) {
		t.Errorf("Parse(%q).TTL = %v, want positive", text, c.TTL)
	}
	switch c.Verb {
	case VerbSnapshot:
		if c.Sub != "create" && c.Sub != "list" && c.Sub != "delete" || c.Sub == "delete" && c.ID == "" {
			t.Errorf("Parse(%q) = %+v, want a complete snapshot command", text, c)
		}
	case VerbKey:
		if c.Sub != "add" && c.Sub != "list" && c.Sub != "remove" ||
			c.Sub == "add" && strings.TrimSpace(c.Key) == "" || c.Sub == "remove" && c.Fingerprint == "" {
			t.Errorf("Parse(%q) = %+v, want a complete key command", text, c)
		}
	case VerbUp, VerbSizes:
		if names, _ := providerNames(); c.Provider != "" && names[c.Provider] != c.Provider {
			t.Errorf("Parse(%q).Provider = %q, want a registry name", text, c.Provider)
		}
	case VerbAudit:
		if c.Count < 1 || c.Count > AuditMaxCount {
			t.Errorf("Parse(%q).Count = %d, want 1 to %d", text, c.Count, AuditMaxCount)
		}
	case VerbHelp:
		if _, err := Help(c.Topic); err != nil {
			t.Errorf("Help(%q) of Parse(%q) = %v, want a page", c.Topic, text, err)
		}
	}
}
