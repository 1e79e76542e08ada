package grammar

import (
	"errors"
	"strings"
	"testing"
)

var helpVerbs = []Verb{VerbUp, VerbDown, VerbList, VerbStatus, VerbSnapshot, VerbExtend, VerbKey, VerbSizes, VerbAudit, VerbHelp}

func TestHelpEveryVerb(t *testing.T) {
	overview, err := Help("")
	if err != nil {
		t.Fatalf("Help(%q) = %v, want the overview", "", err)
	}
	for _, v := range helpVerbs {
		t.Run(string(v), func(t *testing.T) {
			usage := Usage(v)
			if !strings.HasPrefix(usage, "/spuff "+string(v)) || strings.Contains(usage, "\n") {
				t.Errorf("Usage(%q) = %q, want one line starting with %q", v, usage, "/spuff "+string(v))
			}
			page, err := Help(string(v))
			if err != nil {
				t.Fatalf("Help(%q) = %v, want a page", v, err)
			}
			if !strings.Contains(page, "`"+usage+"`") {
				t.Errorf("Help(%q) = %q, want it to contain the usage `%s`", v, page, usage)
			}
			if len(page) < len(usage)+20 {
				t.Errorf("Help(%q) = %q, want more than the usage line", v, page)
			}
			if !strings.Contains(overview, "`"+usage+"`") {
				t.Errorf("Help(\"\") lacks the usage of %q", v)
			}
			// Plain text: backticks pair up, and no Slack markup.
			if strings.Count(page, "`")%2 != 0 {
				t.Errorf("Help(%q) has unpaired backticks:\n%s", v, page)
			}
			for _, markup := range []string{"*", "<http", "<@", ":white_check_mark:", "&gt;"} {
				if strings.Contains(page, markup) {
					t.Errorf("Help(%q) contains Slack markup %q", v, markup)
				}
			}
		})
	}
}

// TestHelpExamplesParse checks that every command the help pages show in
// backticks, other than the usage patterns, parses.
func TestHelpExamplesParse(t *testing.T) {
	for _, v := range append([]Verb{""}, helpVerbs...) {
		page, err := Help(string(v))
		if err != nil {
			t.Fatalf("Help(%q) = %v", v, err)
		}
		parts := strings.Split(page, "`")
		for i := 1; i < len(parts); i += 2 {
			ex := parts[i]
			if !strings.HasPrefix(ex, "/spuff ") || strings.ContainsAny(ex, "<[|") {
				continue
			}
			if _, err := Parse(ex); err != nil {
				t.Errorf("Parse(%q) from Help(%q) = %v, want nil", ex, v, err)
			}
		}
	}
}

func TestHelpTopics(t *testing.T) {
	tests := []struct {
		topic string
		want  Verb // page of this verb; "" for the overview
	}{
		{"", ""},
		{"  ", ""},
		{"up", VerbUp},
		{"UP", VerbUp},
		{"rm", VerbDown},
		{"destroy", VerbDown},
		{"ls", VerbList},
		{"snap", VerbSnapshot},
		{"snapshot create", VerbSnapshot},
		{"/spuff key", VerbKey},
		{"/spuff", ""},
	}
	overview, _ := Help("")
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			got, err := Help(tt.topic)
			if err != nil {
				t.Fatalf("Help(%q) = %v, want a page", tt.topic, err)
			}
			if tt.want == "" {
				if got != overview {
					t.Errorf("Help(%q) = %q, want the overview", tt.topic, got)
				}
				return
			}
			if want, _ := Help(string(tt.want)); got != want {
				t.Errorf("Help(%q) = %q, want the page of %q", tt.topic, got, tt.want)
			}
		})
	}
}

func TestHelpUnknownTopic(t *testing.T) {
	tests := []struct{ topic, hint string }{
		{"upp", "did you mean `/spuff help up`?"},
		{"kye", "did you mean `/spuff help key`?"},
		{"weather", "try `/spuff help`"},
	}
	for _, tt := range tests {
		t.Run(tt.topic, func(t *testing.T) {
			_, err := Help(tt.topic)
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("Help(%q) = %v, want an *Error", tt.topic, err)
			}
			if want := "no help for `" + tt.topic + "`"; ue.Msg != want || ue.Hint != tt.hint {
				t.Errorf("Help(%q) = %q / %q, want %q / %q", tt.topic, ue.Msg, ue.Hint, want, tt.hint)
			}
		})
	}
}

func TestUsageUnknownVerb(t *testing.T) {
	if got := Usage("frobnicate"); got != "/spuff help" {
		t.Errorf("Usage(%q) = %q, want %q", "frobnicate", got, "/spuff help")
	}
}
