package cloudinit

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

const extraYAML = `#cloud-config
# Team defaults for every dev VM.
timezone: Europe/Berlin
packages:
  - tmux
  - jq
runcmd:
  - [sh, -c, "echo ready > /var/tmp/spuff-ready"]
write_files:
  - path: /etc/motd
    permissions: "0644"
    content: |
      This VM is managed by spuff. It is destroyed when its lease ends.
`

func TestRenderGolden(t *testing.T) {
	alice := testKey(t, 1, "alice@laptop")
	desk := `from="203.0.113.0/24",no-agent-forwarding ` + testKey(t, 2, "alice@desktop")
	base := Config{Hostname: "dev-alice-1", Owner: "U024BE7LH", OwnerName: "Alice", LeaseExpiry: lease}
	with := func(f func(*Config)) Config {
		c := base
		f(&c)
		return c
	}
	tests := []struct {
		name         string
		cfg          Config
		wantPackages []any
		check        func(t *testing.T, doc map[string]any)
	}{
		{
			name:         "basic",
			cfg:          with(func(c *Config) { c.Keys = []string{alice} }),
			wantPackages: []any{"git", "curl", "build-essential", "docker.io"},
		},
		{
			name:         "two_keys",
			cfg:          with(func(c *Config) { c.Keys = []string{alice, desk} }),
			wantPackages: []any{"git", "curl", "build-essential", "docker.io"},
		},
		{
			name:         "no_keys",
			cfg:          with(func(c *Config) { c.OwnerName = "" }),
			wantPackages: []any{"git", "curl", "build-essential", "docker.io"},
		},
		{
			name: "extra",
			cfg: with(func(c *Config) {
				c.Keys = []string{alice}
				c.Packages = []string{"htop"}
				c.Extra = extraYAML
			}),
			wantPackages: []any{"git", "curl", "build-essential", "docker.io", "htop", "tmux", "jq"},
			check: func(t *testing.T, doc map[string]any) {
				if got := doc["timezone"]; got != "Europe/Berlin" {
					t.Errorf("timezone = %#v, want %q", got, "Europe/Berlin")
				}
				wantRuncmd := append(runcmdBase(), []any{"sh", "-c", "echo ready > /var/tmp/spuff-ready"})
				if !equalJSON(doc["runcmd"], wantRuncmd) {
					t.Errorf("runcmd = %#v, want %#v", doc["runcmd"], wantRuncmd)
				}
				files, _ := doc["write_files"].([]any)
				if len(files) != 2 {
					t.Fatalf("write_files = %#v, want the marker then /etc/motd", files)
				}
				if f, _ := files[1].(map[string]any); f["path"] != "/etc/motd" {
					t.Errorf("write_files[1] = %#v, want /etc/motd", files[1])
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Render(tc.cfg)
			if err != nil {
				t.Fatalf("Render(%s) error = %v", tc.name, err)
			}
			path := filepath.Join("testdata", tc.name+".golden.yaml")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("read golden file (refresh with -update): %v", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("Render(%s) differs from %s (-want +got):\n%s", tc.name, path, diff)
			}

			doc := parseDoc(t, string(want))
			checkGenerated(t, doc, tc.cfg)
			if !equalJSON(doc["packages"], tc.wantPackages) {
				t.Errorf("packages = %#v, want %#v", doc["packages"], tc.wantPackages)
			}
			if tc.check != nil {
				tc.check(t, doc)
			}
		})
	}
}

// checkGenerated checks the parts of doc every Config yields.
func checkGenerated(t *testing.T, doc map[string]any, cfg Config) {
	t.Helper()
	u := devUser(t, doc)
	var wantKeys []any
	for _, k := range cfg.Keys {
		wantKeys = append(wantKeys, k)
	}
	if !equalJSON(u["ssh_authorized_keys"], wantKeys) {
		t.Errorf("ssh_authorized_keys = %#v, want %#v", u["ssh_authorized_keys"], wantKeys)
	}
	want := map[string]any{
		"hostname": cfg.Hostname, "fqdn": cfg.Hostname, "preserve_hostname": false,
		"package_update": true, "ssh_pwauth": false, "disable_root": true,
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %#v, want %#v", k, doc[k], v)
		}
	}
	wantMarker := map[string]any{"managed_by": "spuff", "owner": cfg.Owner, "hostname": cfg.Hostname,
		"lease_expiry": cfg.LeaseExpiry.UTC().Format("2006-01-02T15:04:05Z07:00")}
	if cfg.OwnerName != "" {
		wantMarker["owner_name"] = cfg.OwnerName
	}
	if diff := cmp.Diff(wantMarker, markerOf(t, doc)); diff != "" {
		t.Errorf("marker differs (-want +got):\n%s", diff)
	}
	runcmd, _ := doc["runcmd"].([]any)
	if len(runcmd) < len(runcmdBase()) || !equalJSON(runcmd[:len(runcmdBase())], runcmdBase()) {
		t.Errorf("runcmd = %#v, want it to start with %#v", runcmd, runcmdBase())
	}
}

func runcmdBase() []any {
	var out []any
	for _, c := range runcmd {
		out = append(out, c)
	}
	return out
}
