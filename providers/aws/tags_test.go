package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
)

func TestResourceTags(t *testing.T) {
	tags := resourceTags("box #1", map[string]string{
		providers.LabelOwner:     "U024BE7LH",
		providers.LabelManagedBy: "someone-else",
		"aws:reserved":           "x",
		"note":                   "a,b;c",
		"long":                   strings.Repeat("v", 300),
	})
	got := map[string]string{}
	for _, tg := range tags {
		got[awssdk.ToString(tg.Key)] = awssdk.ToString(tg.Value)
	}
	want := map[string]string{
		"Name": "box _1", providers.LabelManagedBy: providers.ManagedByValue,
		providers.LabelOwner: "U024BE7LH", "note": "a_b_c", "long": strings.Repeat("v", maxTagValue),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resourceTags() mismatch (-want +got):\n%s", diff)
	}
}

func TestClientToken(t *testing.T) {
	hashed := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return hex.EncodeToString(sum[:])
	}
	long := strings.Repeat("o", 70)
	tests := []struct{ op, name, want string }{
		{"op-1", "box", "op-1/box"},
		{"", "box", ""},
		{"op-1", "dev box", hashed("op-1/dev box")},
		{long, "box", hashed(long + "/box")},
	}
	for _, tt := range tests {
		got := clientToken(tt.op, tt.name)
		if got != tt.want || len(got) > maxClientToken {
			t.Errorf("clientToken(%q, %q) = %q, want %q", tt.op, tt.name, got, tt.want)
		}
	}
}

func TestAMIName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"before-upgrade", "before-upgrade"},
		{"café #2", "caf- -2"},
		{"x", "spuff-x"},
		{strings.Repeat("a", 200), strings.Repeat("a", 128)},
	}
	for _, tt := range tests {
		if got := amiName(tt.in); got != tt.want {
			t.Errorf("amiName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
