package grammar

import "testing"

func TestClosest(t *testing.T) {
	candidates := []string{"create", "list", "delete"}
	syn := map[string]string{"take": "create"}
	tests := []struct {
		word   string
		want   string
		wantOK bool
	}{
		{"crate", "create", true},
		{"CREATE", "create", true},
		{"--lst", "list", true},
		{"delte", "delete", true},
		{"take", "create", true},                            // synonym
		{"cr", "create", true},                              // unique prefix
		{"de", "delete", true},                              // unique prefix
		{"l", "", false},                                    // too short for a prefix, and 3 edits from list
		{"zzzzzz", "", false},                               // nothing close
		{"", "", false},                                     // nothing typed
		{"createcreatecreatecreatecreatecreate", "", false}, // too long to compare
	}
	for _, tt := range tests {
		got, ok := closest(tt.word, candidates, syn)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("closest(%q) = %q, %v; want %q, %v", tt.word, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestSuggestName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"MyBox", "mybox"},
		{"my_box", "my-box"},
		{"My Box!", "my-box"},
		{"--box--", "box"},
		{"1box", "vm-1box"},
		{"a__b..c", "a-b-c"},
		{"___", ""},
		{"", ""},
		{"日本", ""},
		{"Straße", "stra-e"},
	}
	for _, tt := range tests {
		if got := suggestName(tt.in); got != tt.want {
			t.Errorf("suggestName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	long := suggestName("x234567890123456789012345678901234567890-abc")
	if len(long) > maxNameLen || long[len(long)-1] == '-' {
		t.Errorf("suggestName(long) = %q, want at most %d characters not ending in a hyphen", long, maxNameLen)
	}
}
