package hetzner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLabelValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"U024BE7LH", "U024BE7LH"},
		{"", ""},
		{"op-1.2_3", "op-1.2_3"},
		{"alice@example.com", "alice-example.com"},
		{"--x--", "x"},
		{"über", "ber"},
		{"a b/c", "a-b-c"},
		{"!!!", ""},
		{strings.Repeat("a", 62) + "-b", strings.Repeat("a", 62)},
		{strings.Repeat("z", 100), strings.Repeat("z", 63)},
	}
	for _, tt := range tests {
		if got := labelValue(tt.in); got != tt.want {
			t.Errorf("labelValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestLabelKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"spuff-owner", "spuff-owner"},
		{"example.com/team", "example.com/team"},
		{"Example.COM/Team", "example.com/Team"},
		{"/team", "team"},
		{"example.com/", ""},
		{"", ""},
		{"my key", "my-key"},
	}
	for _, tt := range tests {
		if got := labelKey(tt.in); got != tt.want {
			t.Errorf("labelKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHostname(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dev-1", "dev-1"},
		{"Alice's Box", "alice-s-box"},
		{"spuff.dev.box", "spuff-dev-box"},
		{"-x-", "x"},
		{strings.Repeat("n", 70), strings.Repeat("n", 63)},
	}
	for _, tt := range tests {
		if got := hostname(tt.in); got != tt.want {
			t.Errorf("hostname(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSpuffLabels(t *testing.T) {
	got := spuffLabels(map[string]string{"managed-by": "other", "spuff-owner": "U1", "!!": "dropped"})
	want := map[string]string{"managed-by": "spuff", "spuff-owner": "U1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("spuffLabels() (-want +got):\n%s", diff)
	}
}
