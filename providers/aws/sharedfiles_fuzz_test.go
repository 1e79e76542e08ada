package aws

import (
	"strings"
	"testing"
)

// FuzzParseShared feeds parseShared arbitrary shared config and credentials
// files. It must not panic, and what it returns must be usable as the SDKs
// read it: profile names without brackets, keys lower case, trimmed and
// without '=' or line breaks, and every value made of the file's text.
func FuzzParseShared(f *testing.F) {
	for _, seed := range []string{
		"[default]\nregion = eu-central-1\n",
		"[profile bot]\nrole_arn = arn:aws:iam::123456789012:role/spuff\nsource_profile = base\n",
		"[base]\naws_access_key_id = AKID\naws_secret_access_key = \"secret\" ; comment\n",
		"[profile sso]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://example.com\n",
		"[profile x]\ns3 =\n  max_concurrent_requests = 10\ncredential_process = /bin/get\n  --flag\n",
		"[services dev]\nec2 =\n  endpoint_url = http://localhost\n",
		"[ profile  spaced ]\r\nregion=us-east-1\r\n",
		"[unterminated\nkey = value\n= no key\n[profile]\n",
		"\t[default]\n\tregion = x\n#c\n;c\n",
	} {
		f.Add(seed, false)
		f.Add(seed, true)
	}
	f.Fuzz(func(t *testing.T, text string, credentialsFile bool) {
		for name, profile := range parseShared(text, credentialsFile) {
			if strings.ContainsAny(name, "[]") && !strings.Contains(text, name) {
				t.Fatalf("profile name %q is not from the file", name)
			}
			for k, v := range profile {
				if k == "" || k != strings.ToLower(k) || k != strings.TrimSpace(k) || strings.ContainsAny(k, "=\n\r") {
					t.Fatalf("profile %q has key %q, want a trimmed lower-case key", name, k)
				}
				for _, line := range strings.Split(v, "\n") {
					if !strings.Contains(text, line) {
						t.Fatalf("profile %q key %q: value line %q is not from the file", name, k, line)
					}
				}
			}
		}
	})
}
