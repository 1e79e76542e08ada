package aws

import (
	"strings"
	"testing"
)

func TestUserData(t *testing.T) {
	const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE alice@laptop"
	tests := []struct {
		name string
		ud   string
		keys []string
		want []string // substrings, in order
		not  []string
	}{
		{"nothing", "", nil, nil, []string{"#cloud-config"}},
		{"user data only", "#!/bin/sh\necho hi\n", nil, []string{"#!/bin/sh\necho hi\n"}, []string{"multipart"}},
		{"keys only", "", []string{key, " ", "bad\nkey"}, []string{"#cloud-config\nssh_authorized_keys:\n  - \"" + key + "\"\n"}, []string{"bad"}},
		{"script and keys", "#!/bin/sh\necho hi", []string{key}, []string{
			"Content-Type: multipart/mixed; boundary=",
			"Content-Type: text/x-shellscript", "#!/bin/sh\necho hi\n",
			"Content-Type: text/cloud-config", "ssh_authorized_keys:", key, "merge_how:",
		}, nil},
		{"cloud-config and keys", "#cloud-config\npackages: [git]\n", []string{key}, []string{
			"Content-Type: text/cloud-config", "packages: [git]", "Content-Type: text/cloud-config", key,
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := userData(tt.ud, tt.keys)
			if tt.want == nil && got != tt.ud {
				t.Errorf("userData(%q, %q) = %q, want it unchanged", tt.ud, tt.keys, got)
			}
			rest := got
			for _, w := range tt.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("userData(%q, %q) = %q, want %q (in order)", tt.ud, tt.keys, got, w)
				}
				rest = rest[i+len(w):]
			}
			for _, n := range tt.not {
				if strings.Contains(got, n) {
					t.Errorf("userData(%q, %q) = %q, want no %q", tt.ud, tt.keys, got, n)
				}
			}
		})
	}
}

func TestUserDataMultipartBoundary(t *testing.T) {
	got := userData("#!/bin/sh\n", []string{"ssh-ed25519 AAAA a@b"})
	_, rest, _ := strings.Cut(got, "boundary=\"")
	boundary, _, _ := strings.Cut(rest, "\"")
	if n := strings.Count(got, "--"+boundary+"\n"); n != 2 {
		t.Errorf("userData() has %d parts, want 2:\n%s", n, got)
	}
	if !strings.HasSuffix(got, "--"+boundary+"--\n") {
		t.Errorf("userData() does not end with the closing boundary:\n%s", got)
	}
}
