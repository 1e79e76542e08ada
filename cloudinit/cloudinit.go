// Package cloudinit renders the cloud-init user data every new VM boots
// with, the same document on every cloud: a "dev" user holding the owner's
// ssh keys, the hostname, the base packages with Docker, and a marker file
// naming the owner and the lease. Operators may merge extra cloud-config
// into it; nothing is ever assembled by string concatenation.
package cloudinit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// Header is the first line of every rendered document; cloud-init reads
// user data starting with it as cloud-config.
const Header = "#cloud-config\n"

// MarkerPath is where every VM finds the JSON marker describing itself.
const MarkerPath = "/etc/spuff/instance.json"

// User is the login account created on every VM.
const User = "dev"

// ErrInvalid is wrapped by every error caused by a Config or extra
// cloud-config that cannot be rendered; the message names the problem.
var ErrInvalid = errors.New("invalid")

// basePackages are installed on every VM, from the distribution.
var basePackages = []string{"git", "curl", "build-essential", "docker.io"}

// runcmd starts Docker now and at boot, and puts the user in its group
// should the image's cloud-init not have created the group for it. The
// guards keep boot clean on Ubuntu and Debian images alike, whichever
// piece is missing.
var runcmd = []string{
	"if command -v systemctl >/dev/null 2>&1 && systemctl cat --no-pager docker.service >/dev/null 2>&1; " +
		"then systemctl enable --now docker; fi",
	"if getent group docker >/dev/null; then usermod -aG docker " + User + "; fi",
}

// Config describes one VM's user data.
type Config struct {
	// Hostname is the instance name; it must be a valid hostname label.
	Hostname string
	// Owner is the owner's Slack user id; required.
	Owner string
	// OwnerName is the owner's readable name; empty leaves it out of the marker.
	OwnerName string
	// Keys are the owner's authorized_keys lines, one key each; none
	// leaves the dev user without ssh access.
	Keys []string
	// LeaseExpiry is when the VM's lease ends; required.
	LeaseExpiry time.Time
	// Packages are installed besides the base packages; nil adds none.
	Packages []string
	// Extra is cloud-config YAML from the operator, merged into the
	// generated document: mappings merge key by key, lists are appended,
	// scalars replace scalars. Any other pairing, a document that is not
	// a mapping, invalid YAML, or a value for hostname or fqdn is an error
	// wrapping ErrInvalid (see ValidateExtra). Empty adds nothing.
	Extra string
}

// Render returns the cloud-config user data for cfg: Header followed by
// one YAML document.
func Render(cfg Config) (string, error) {
	keys, err := cfg.validate()
	if err != nil {
		return "", err
	}
	extra, err := parseExtra(cfg.Extra)
	if err != nil {
		return "", err
	}
	doc, err := base(cfg, keys)
	if err != nil {
		return "", err
	}
	if extra != nil {
		if err := merge(doc, extra, ""); err != nil {
			return "", err
		}
	}
	var buf bytes.Buffer
	buf.WriteString(Header)
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return "", fmt.Errorf("cloudinit: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return "", fmt.Errorf("cloudinit: encode: %w", err)
	}
	return buf.String(), nil
}

// ValidateExtra reports why extra cannot be merged into the generated
// document, or nil when Render will accept it for any valid Config.
func ValidateExtra(extra string) error {
	x, err := parseExtra(extra)
	if err != nil || x == nil {
		return err
	}
	// Every Config yields the same shape of document, so one sample
	// stands for all of them.
	doc, err := base(Config{Hostname: "spuff", Owner: "U0", LeaseExpiry: time.Unix(0, 0)}, nil)
	if err != nil {
		return err
	}
	return merge(doc, x, "")
}

// document is the generated cloud-config; field order is output order.
type document struct {
	Hostname         string      `yaml:"hostname"`
	FQDN             string      `yaml:"fqdn"`
	PreserveHostname bool        `yaml:"preserve_hostname"`
	Users            []user      `yaml:"users"`
	DisableRoot      bool        `yaml:"disable_root"`
	SSHPwauth        bool        `yaml:"ssh_pwauth"`
	PackageUpdate    bool        `yaml:"package_update"`
	Packages         []string    `yaml:"packages"`
	WriteFiles       []writeFile `yaml:"write_files"`
	Runcmd           []string    `yaml:"runcmd"`
}

type user struct {
	Name              string   `yaml:"name"`
	Groups            []string `yaml:"groups"`
	Shell             string   `yaml:"shell"`
	Sudo              string   `yaml:"sudo"`
	LockPasswd        bool     `yaml:"lock_passwd"`
	SSHAuthorizedKeys []string `yaml:"ssh_authorized_keys,omitempty"`
}

type writeFile struct {
	Path        string `yaml:"path"`
	Owner       string `yaml:"owner"`
	Permissions string `yaml:"permissions"`
	Content     string `yaml:"content"`
}

// marker is the content of MarkerPath.
type marker struct {
	ManagedBy   string `json:"managed_by"`
	Hostname    string `json:"hostname"`
	Owner       string `json:"owner"`
	OwnerName   string `json:"owner_name,omitempty"`
	LeaseExpiry string `json:"lease_expiry"`
}

// base returns the generated document for a validated cfg as a YAML
// mapping node, ready for merging.
func base(cfg Config, keys []string) (*yaml.Node, error) {
	m, err := json.MarshalIndent(marker{
		ManagedBy:   "spuff",
		Hostname:    cfg.Hostname,
		Owner:       cfg.Owner,
		OwnerName:   cfg.OwnerName,
		LeaseExpiry: cfg.LeaseExpiry.UTC().Format(time.RFC3339),
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("cloudinit: encode marker: %w", err)
	}
	doc := document{
		Hostname:         cfg.Hostname,
		FQDN:             cfg.Hostname,
		PreserveHostname: false,
		Users: []user{{
			Name:              User,
			Groups:            []string{"sudo", "docker"},
			Shell:             "/bin/bash",
			Sudo:              "ALL=(ALL) NOPASSWD:ALL",
			LockPasswd:        true,
			SSHAuthorizedKeys: keys,
		}},
		DisableRoot:   true,
		SSHPwauth:     false,
		PackageUpdate: true,
		Packages:      append(append([]string(nil), basePackages...), cfg.Packages...),
		WriteFiles: []writeFile{{
			Path:        MarkerPath,
			Owner:       "root:root",
			Permissions: "0644",
			Content:     string(m) + "\n",
		}},
		Runcmd: append([]string(nil), runcmd...),
	}
	var n yaml.Node
	if err := n.Encode(doc); err != nil {
		return nil, fmt.Errorf("cloudinit: encode document: %w", err)
	}
	return &n, nil
}
