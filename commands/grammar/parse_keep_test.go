package grammar

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseKeep(t *testing.T) {
	tests := []struct {
		in      string
		want    Command
		wantErr string // part of the error; "" for none
	}{
		{"keep web-test", Command{Verb: VerbKeep, Name: "web-test"}, ""},
		{"keep web-test lease", Command{Verb: VerbKeep, Name: "web-test", KeepLease: true}, ""},
		{"/spuff KEEP web-test LEASE", Command{Verb: VerbKeep, Name: "web-test", KeepLease: true}, ""},
		{"keep --help", Command{Verb: VerbHelp, Topic: "keep"}, ""},
		{"keep", Command{}, "needs the name of a VM"},
		{"keep web-test 2h", Command{}, "takes only `lease`"},
		{"keep a lease b", Command{}, ""},
		{"kep web-test", Command{}, "did you mean `keep`?"},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if tt.want.Verb == "" {
			var ue *Error
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg+" "+ue.Hint, tt.wantErr) {
				t.Errorf("Parse(%q) = %+v, %v; want a usage error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q) error = %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}
