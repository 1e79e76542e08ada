package config

import (
	"errors"
	"io/fs"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// envOf returns a getenv reading m.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func noEnv(string) string { return "" }

// problemsOf returns the problems of err, which must be a *ValidationError.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("error = %v (%T), want a *ValidationError", err, err)
	}
	return ve.Problems
}

func TestLoadReportsEveryMistake(t *testing.T) {
	_, err := Load("testdata/mistakes.yaml", noEnv)
	want := []Problem{
		{"clouds.default", 3, `"hetzer" is not a cloud (one of: aws, demo, digitalocean, hetzner); did you mean hetzner?`},
		{"clouds.hetzner.enabled", 5, `"yes" is not true or false`},
		{"clouds.hetzner.size", 6, `"cx22" is not in clouds.hetzner.allowed_sizes (cx32, cx42)`},
		{"clouds.aws.ssh_cidr", 9, `"10.0.0.0/33" is not a CIDR block (examples: 0.0.0.0/0, 203.0.113.0/24)`},
		{"clouds.linode", 10, "unknown setting (known here: default, aws, demo, digitalocean, hetzner)"},
		{"policy.admins[1]", 13, `"@alice" is not a Slack user id (like U0123ABCD or W0123ABCD); names and user groups are not accepted: copy the member id from the person's profile`},
		{"policy.approval_above", 15, "is set, but policy.approvers is empty: nobody could approve"},
		{"policy.allowed_channels[0]", 17, `"general" is not a Slack channel id (like C0123ABCD, or G…/D… for private and direct); copy it from the channel's details`},
		{"policy.max_instances_per_user", 18, "-2 must be 0 or more (0: no limit)"},
		{"policy.monthly_budget_per_user", 19, `"lots" is not a number (example: 0.25)`},
		{"policy.over_budget", 20, `"deny" is not allowed (one of: refuse, approve)`},
		{"policy.max_lease", 22, `"3x" is not a duration (examples: 2h, 90m, 1d)`},
		{"policy.max_leese", 23, "unknown setting; did you mean max_lease?"},
		{"policy.warn_before", 24, "9h must be shorter than policy.default_lease (8h)"},
		{"policy.reconcile_every", 25, "must be longer than 0 (example: 5m)"},
		{"max_lease", 27, "unknown setting here; did you mean policy.max_lease?"},
		{"listen", 28, `"9090" is not a host:port address (examples: :9090, 127.0.0.1:9090; empty: no server)`},
		{"log.level", 30, `"verbose" is not a log level (one of: debug, info, warn, error)`},
		{"log.format", 31, `"xml" is not allowed (one of: text, json)`},
		{"cloud_init", 32, "must be a mapping of cloud-config keys (like packages: [htop]), not a list"},
	}
	if diff := cmp.Diff(want, problemsOf(t, err)); diff != "" {
		t.Errorf("Load(mistakes.yaml) problems (-want +got):\n%s", diff)
	}
	first := strings.SplitN(err.Error(), "\n", 2)[0]
	if wantLine := `testdata/mistakes.yaml:3: clouds.default: "hetzer" is not a cloud`; !strings.HasPrefix(first, wantLine) {
		t.Errorf("Load(mistakes.yaml) error starts %q, want %q…", first, wantLine)
	}
	if n := strings.Count(err.Error(), "\n") + 1; n != len(want) {
		t.Errorf("Load(mistakes.yaml) error has %d lines, want one per problem (%d)", n, len(want))
	}
}

const baseFile = `
clouds:
  default: hetzner
  hetzner: {region: fsn1, size: cx22, allowed_sizes: [cx22, cx32]}
policy:
  admins: [U0123ABCD]
  approvers: [U0456EFGH]
  approval_above: 0.25
  max_lease: 48h
  channels: {C0123ABCD: {sizes: [cx22]}}
listen: ":9090"
`

func TestEnvOverridesFile(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		get  func(c *Config) any
		want any
	}{
		{"none: file value", nil, func(c *Config) any { return c.Policy.MaxLease }, 48 * time.Hour},
		{"duration", map[string]string{"SPUFF_MAX_LEASE": "5d"}, func(c *Config) any { return c.Policy.MaxLease }, 120 * time.Hour},
		{"empty variable is unset", map[string]string{"SPUFF_MAX_LEASE": " "}, func(c *Config) any { return c.Policy.MaxLease }, 48 * time.Hour},
		{"default cloud", map[string]string{"SPUFF_PROVIDER": "demo"}, func(c *Config) any { return c.EnabledClouds() }, []string{"demo"}},
		{"enable a cloud", map[string]string{"SPUFF_AWS_ENABLED": "true"}, func(c *Config) any { return c.EnabledClouds() }, []string{"aws", "hetzner"}},
		{"cloud size", map[string]string{"SPUFF_HETZNER_SIZE": "cx32"}, func(c *Config) any { return c.Cloud("hetzner").Size }, "cx32"},
		{"allowed list", map[string]string{"SPUFF_HETZNER_ALLOWED_SIZES": "cx22, cx42 cx52"}, func(c *Config) any { return c.Cloud("hetzner").AllowedSizes }, []string{"cx22", "cx42", "cx52"}},
		{"ssh cidr", map[string]string{"SPUFF_AWS_SSH_CIDR": "198.51.100.0/24"}, func(c *Config) any { return c.Cloud("aws").Settings["ssh_cidr"] }, "198.51.100.0/24"},
		{"admins", map[string]string{"SPUFF_ADMINS": "U0AAAAAAA,W0BBBBBBB"}, func(c *Config) any { return c.Policy.Admins }, []string{"U0AAAAAAA", "W0BBBBBBB"}},
		{"approval never", map[string]string{"SPUFF_APPROVAL_ABOVE": "never"}, func(c *Config) any { return c.Policy.ApprovalAbove == nil }, true},
		{"approval always", map[string]string{"SPUFF_APPROVAL_ABOVE": "0"}, func(c *Config) any { return *c.Policy.ApprovalAbove }, 0.0},
		{"channels as YAML", map[string]string{"SPUFF_CHANNELS": "{C0456EFGH: {clouds: [hetzner]}}"}, func(c *Config) any { return c.Policy.Channels },
			map[string]ChannelPolicy{"C0456EFGH": {Clouds: []string{"hetzner"}}}},
		{"max instances", map[string]string{"SPUFF_MAX_INSTANCES": "0"}, func(c *Config) any { return c.Policy.MaxInstancesPerUser }, 0},
		{"budget", map[string]string{"SPUFF_MONTHLY_BUDGET": "50", "SPUFF_OVER_BUDGET": "approve"}, func(c *Config) any { return []any{c.Policy.MonthlyBudgetPerUser, c.Policy.OverBudget} }, []any{50.0, OverBudgetApprove}},
		{"orphan grace", map[string]string{"SPUFF_ORPHAN_GRACE": "1d12h"}, func(c *Config) any { return c.Policy.OrphanGrace }, 36 * time.Hour},
		{"create timeout", map[string]string{"SPUFF_CREATE_TIMEOUT": "90s"}, func(c *Config) any { return c.Policy.CreateTimeout }, 90 * time.Second},
		{"boot timeout in seconds", map[string]string{"SPUFF_BOOT_TIMEOUT": "600"}, func(c *Config) any { return c.Policy.BootTimeout }, 10 * time.Minute},
		{"boot timeout as a duration", map[string]string{"SPUFF_BOOT_TIMEOUT": "15m"}, func(c *Config) any { return c.Policy.BootTimeout }, 15 * time.Minute},
		{"database", map[string]string{"SPUFF_DB": "/data/spuff.db"}, func(c *Config) any { return c.Database }, "/data/spuff.db"},
		{"listen", map[string]string{"SPUFF_LISTEN": "127.0.0.1:9100"}, func(c *Config) any { return c.Listen }, "127.0.0.1:9100"},
		{"log", map[string]string{"SPUFF_LOG_LEVEL": "DEBUG", "SPUFF_LOG_FORMAT": "json"}, func(c *Config) any { return c.Log }, Log{Level: -4, Format: LogJSON}},
		{"cloud init keeps indentation", map[string]string{"SPUFF_CLOUD_INIT": "runcmd:\n  - [touch, /x]\n"}, func(c *Config) any { return c.CloudInit }, "runcmd:\n  - [touch, /x]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load("spuffbot.yaml", []byte(baseFile), envOf(tt.env))
			if err != nil {
				t.Fatalf("load(%v) = %v", tt.env, err)
			}
			if diff := cmp.Diff(tt.want, tt.get(c)); diff != "" {
				t.Errorf("load(%v) (-want +got):\n%s", tt.env, diff)
			}
		})
	}
}

func TestEnvProblemsNameTheVariable(t *testing.T) {
	env := map[string]string{
		"SPUFF_MAX_LEASE":      "forever",
		"SPUFF_HETZNER_SIZE":   "cx52", // not in allowed_sizes from the file
		"SPUFF_ADMINS":         "U0123ABCD,alice",
		"SPUFF_CHANNELS":       "{C0123ABCD: {clouds: [aws], size: [cx22]}}",
		"SPUFF_APPROVAL_ABOVE": "cheap",
		"SPUFF_DEMO_ENABLED":   "maybe",
	}
	_, err := load("spuffbot.yaml", []byte(baseFile), envOf(env))
	// Unreadable values first, in the order of the settings, then the
	// values that do not fit.
	want := []Problem{
		{"SPUFF_DEMO_ENABLED", 0, `"maybe" is not true or false`},
		{"SPUFF_APPROVAL_ABOVE", 0, `"cheap" is not a number (example: 0.25), or "never"`},
		{"SPUFF_CHANNELS", 0, "C0123ABCD.size: unknown setting; did you mean sizes?"},
		{"SPUFF_MAX_LEASE", 0, `"forever" is not a duration (examples: 2h, 90m, 1d)`},
		{"SPUFF_HETZNER_SIZE", 0, `"cx52" is not in clouds.hetzner.allowed_sizes (cx22, cx32)`},
		{"SPUFF_ADMINS", 0, `item 2: "alice" is not a Slack user id (like U0123ABCD or W0123ABCD); names and user groups are not accepted: copy the member id from the person's profile`},
	}
	if diff := cmp.Diff(want, problemsOf(t, err)); diff != "" {
		t.Errorf("load with bad variables, problems (-want +got):\n%s", diff)
	}
}

func TestCrossFieldProblemFromEnv(t *testing.T) {
	env := map[string]string{"SPUFF_DEFAULT_LEASE": "96h", "SPUFF_CHANNELS": "{C0456EFGH: {clouds: [aws]}}"}
	_, err := load("spuffbot.yaml", []byte(baseFile), envOf(env))
	want := []Problem{
		{"policy.max_lease", 9, "2d is shorter than policy.default_lease (4d)"},
		{"SPUFF_CHANNELS", 0, "C0456EFGH.clouds[0]: aws is not enabled (enabled: hetzner)"},
	}
	if diff := cmp.Diff(want, problemsOf(t, err)); diff != "" {
		t.Errorf("load(%v) problems (-want +got):\n%s", env, diff)
	}
}

func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		yaml string
		want Problem
	}{
		{"policy:\n  max_leas: 2h\n", Problem{"policy.max_leas", 2, "unknown setting; did you mean max_lease?"}},
		{"policy:\n  Max-Lease: 2h\n", Problem{"policy.Max-Lease", 2, "unknown setting; did you mean max_lease?"}},
		{"polcy:\n  max_lease: 2h\n", Problem{"polcy", 1, "unknown setting; did you mean policy?"}},
		{"notify_chanel: C0123ABCD\n", Problem{"notify_chanel", 1, "unknown setting; did you mean notify_channel?"}},
		{"policy:\n  notify_channel: C0123ABCD\n", Problem{"policy.notify_channel", 2, "unknown setting here; did you mean notify_channel?"}},
		{"clouds:\n  hetzner:\n    ssh_cidr: 0.0.0.0/0\n", Problem{"clouds.hetzner.ssh_cidr", 3, "unknown setting here; did you mean clouds.aws.ssh_cidr?"}},
		{"clouds:\n  digitalocaen: {enabled: true}\n", Problem{"clouds.digitalocaen", 2, "unknown setting; did you mean digitalocean?"}},
		{"log:\n  colour: true\n", Problem{"log.colour", 2, "unknown setting (known here: level, format)"}},
		{"policy:\n  channels:\n    C0123ABCD: {cloud: [demo]}\n", Problem{"policy.channels.C0123ABCD.cloud", 3, "unknown setting; did you mean clouds?"}},
	}
	for _, tt := range tests {
		t.Run(tt.yaml, func(t *testing.T) {
			_, err := load("spuffbot.yaml", []byte(tt.yaml), noEnv)
			if diff := cmp.Diff([]Problem{tt.want}, problemsOf(t, err)); diff != "" {
				t.Errorf("load(%q) problems (-want +got):\n%s", tt.yaml, diff)
			}
		})
	}
}

func TestFileShapeProblems(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []Problem
	}{
		{"syntax error has the line", "policy:\n  max_lease: 2h\n bad: [\n", []Problem{{"", 0, "line 2: did not find expected key"}}},
		{"tab indentation", "policy:\n\tmax_lease: 2h\n", []Problem{{"", 0, "line 2: found character that cannot start any token"}}},
		{"not a mapping", "- a\n- b\n", []Problem{{"", 1, "must be a mapping of settings, not a list"}}},
		{"section not a mapping", "policy: 3\n", []Problem{{"policy", 1, `must be a mapping of settings, not the value "3"`}}},
		{"list expected", "policy:\n  admins: U0123ABCD\n", []Problem{{"policy.admins", 2, `must be a list, like [a, b], not the value "U0123ABCD"`}}},
		{"value expected", "policy:\n  max_lease: [2h]\n", []Problem{{"policy.max_lease", 2, "must be a single value, not a list"}}},
		{"set twice", "log:\n  level: info\n  level: debug\n", []Problem{{"log.level", 3, "set twice (first on line 2)"}}},
		{"two documents", "listen: ':1'\n---\nlisten: ':2'\n", []Problem{{"", 2, "a second YAML document; the file must hold one (remove the ---)"}}},
		{"nested list item", "policy:\n  admins: [[U0123ABCD]]\n", []Problem{{"policy.admins[0]", 2, "must be a single value"}}},
		{"bad merge", "policy:\n  <<: 3\n", []Problem{{"policy", 2, "<< must merge a mapping (like <<: *defaults)"}}},
		{"merge into itself", "policy: &p\n  <<: *p\n", []Problem{{"policy", 2, "<< merges a mapping into itself"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load("spuffbot.yaml", []byte(tt.yaml), noEnv)
			if diff := cmp.Diff(tt.want, problemsOf(t, err)); diff != "" {
				t.Errorf("load(%q) problems (-want +got):\n%s", tt.yaml, diff)
			}
		})
	}
}

func TestSyntaxErrorMessage(t *testing.T) {
	_, err := load("spuffbot.yaml", []byte("policy:\n  max_lease: 2h\n bad: [\n"), envOf(map[string]string{"SPUFF_LISTEN": "9090"}))
	// The variables are still checked, one by one.
	want := "spuffbot.yaml: line 2: did not find expected key\nSPUFF_LISTEN: \"9090\" is not a host:port address (examples: :9090, 127.0.0.1:9090; empty: no server)"
	if got := err.Error(); got != want {
		t.Errorf("load(bad YAML) error = %q, want %q", got, want)
	}
}

func TestAnchorsAndMerges(t *testing.T) {
	const file = `
clouds:
  default: hetzner
  digitalocean: &common
    enabled: true
    image: debian-12
    allowed_sizes: &sizes [small, large]
  hetzner:
    <<: *common
    image: ubuntu-24.04
    allowed_sizes: *sizes
`
	c, err := load("spuffbot.yaml", []byte(file), noEnv)
	if err != nil {
		t.Fatalf("load(anchors) = %v", err)
	}
	want := &Cloud{Enabled: true, Image: "ubuntu-24.04", AllowedSizes: []string{"small", "large"}, Settings: map[string]string{}}
	if diff := cmp.Diff(want, c.Cloud("hetzner")); diff != "" {
		t.Errorf("load(anchors) hetzner (-want +got):\n%s", diff)
	}
}

func TestDefaultCloudIsEnabledUnlessDisabled(t *testing.T) {
	tests := []struct {
		name, yaml string
		env        map[string]string
		want       []string
		wantErr    bool
	}{
		{"nothing set", "", nil, []string{"demo"}, false},
		{"default from env", "", map[string]string{"SPUFF_PROVIDER": "hetzner"}, []string{"hetzner"}, false},
		{"default and demo kept", "clouds: {demo: {enabled: true}}", map[string]string{"SPUFF_PROVIDER": "aws"}, []string{"aws", "demo"}, false},
		{"sections do not enable", "clouds: {default: aws, hetzner: {size: cx22}}", nil, []string{"aws"}, false},
		{"default disabled", "clouds: {default: aws, aws: {enabled: false}}", nil, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load("spuffbot.yaml", []byte(tt.yaml), envOf(tt.env))
			if tt.wantErr {
				want := []Problem{{"clouds.default", 1, "aws is not enabled; set clouds.aws.enabled: true, or choose an enabled cloud (enabled: none is)"}}
				if diff := cmp.Diff(want, problemsOf(t, err)); diff != "" {
					t.Errorf("load(%q) problems (-want +got):\n%s", tt.yaml, diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("load(%q) = %v", tt.yaml, err)
			}
			if diff := cmp.Diff(tt.want, c.EnabledClouds()); diff != "" {
				t.Errorf("load(%q).EnabledClouds() (-want +got):\n%s", tt.yaml, diff)
			}
		})
	}
}

func TestLoadWithoutFileIsDefault(t *testing.T) {
	c, err := Load("", noEnv)
	if err != nil {
		t.Fatalf(`Load("") = %v`, err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf(`Load("") differs from Default() (-want +got):\n%s`, diff)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-file.yaml", noEnv)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}
