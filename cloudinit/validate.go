package cloudinit

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/crypto/ssh"
)

var (
	// labelRE is one hostname label (RFC 1123): letters, digits and
	// inner hyphens, at most 63 characters.
	labelRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)
	// packageRE is a Debian package name, optionally pinned as name=version.
	packageRE = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$`)
)

// validate checks cfg and returns its keys trimmed, ready for the document.
func (cfg Config) validate() ([]string, error) {
	if !labelRE.MatchString(cfg.Hostname) {
		return nil, fmt.Errorf("cloudinit: hostname %q: %w: want 1 to 63 letters, digits or inner hyphens",
			cfg.Hostname, ErrInvalid)
	}
	if strings.TrimSpace(cfg.Owner) == "" {
		return nil, fmt.Errorf("cloudinit: owner: %w: empty", ErrInvalid)
	}
	if cfg.LeaseExpiry.IsZero() {
		return nil, fmt.Errorf("cloudinit: lease expiry: %w: not set", ErrInvalid)
	}
	for _, p := range cfg.Packages {
		if !packageRE.MatchString(p) {
			return nil, fmt.Errorf("cloudinit: package %q: %w: not a package name", p, ErrInvalid)
		}
	}
	var keys []string
	for i, k := range cfg.Keys {
		line, err := checkKey(k)
		if err != nil {
			return nil, fmt.Errorf("cloudinit: key %d: %w: %s", i+1, ErrInvalid, err)
		}
		keys = append(keys, line)
	}
	return keys, nil
}

// checkKey returns key trimmed if it is exactly one authorized_keys line
// holding a public key, or an error describing what is wrong with it.
func checkKey(key string) (string, error) {
	if strings.Contains(key, "PRIVATE KEY") {
		return "", errors.New("this is a private key; give the public key (the .pub file)")
	}
	if strings.ContainsAny(key, "\r\n") {
		return "", errors.New("holds a line break; give one key per entry")
	}
	line := strings.TrimSpace(key)
	if line == "" {
		return "", errors.New("empty")
	}
	if strings.ContainsFunc(line, func(r rune) bool { return unicode.IsControl(r) && r != '\t' }) {
		return "", errors.New("holds a control character")
	}
	if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err != nil {
		return "", fmt.Errorf("not an authorized_keys line: %v", err)
	}
	return line, nil
}
