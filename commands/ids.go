package commands

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
)

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// newID returns a random operation id: 16 lowercase letters and digits,
// valid as a label or tag value on every cloud.
func newID() string {
	var b [10]byte
	_, _ = rand.Read(b[:])
	return idEncoding.EncodeToString(b[:])
}

// instanceName makes a name like "alice-7f3a" from a user name: lowercase
// letters, digits and hyphens, starting with a letter, at most 40
// characters — valid on DigitalOcean, Hetzner and AWS.
func instanceName(user string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(user) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '-' || r == '_' || r == '.' || r == ' ':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
				b.WriteByte('-')
			}
		}
		if b.Len() >= 30 {
			break
		}
	}
	base := strings.Trim(b.String(), "-")
	switch {
	case base == "":
		base = "dev"
	case base[0] < 'a' || base[0] > 'z':
		base = "dev-" + base
	}
	var r [3]byte
	_, _ = rand.Read(r[:])
	return base + "-" + idEncoding.EncodeToString(r[:])[:4]
}
