package config

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	const (
		notUser    = `is not a Slack user id (like U0123ABCD or W0123ABCD); names and user groups are not accepted: copy the member id from the person's profile`
		notChannel = `is not a Slack channel id (like C0123ABCD, or G…/D… for private and direct); copy it from the channel's details`
	)
	tests := []struct {
		name   string
		change func(c *Config)
		want   []Problem // nil: valid
	}{
		{"no default cloud", func(c *Config) { c.Clouds.Default = "" },
			[]Problem{{Path: "clouds.default", Msg: "must name a cloud (one of: aws, demo, digitalocean, hetzner)"}}},
		{"unknown default cloud", func(c *Config) { c.Clouds.Default = "Hetzner-Cloud" },
			[]Problem{{Path: "clouds.default", Msg: `"Hetzner-Cloud" is not a cloud (one of: aws, demo, digitalocean, hetzner)`}}},
		{"default cloud disabled", func(c *Config) { c.Clouds.Default = "aws"; c.Cloud("hetzner").Enabled = true },
			[]Problem{{Path: "clouds.default", Msg: "aws is not enabled; set clouds.aws.enabled: true, or choose an enabled cloud (enabled: demo, hetzner)"}}},
		{"size and region outside the allowed", func(c *Config) {
			*c.Cloud("hetzner") = Cloud{Size: "cx22", Region: "nbg1", AllowedSizes: []string{"cx32"}, AllowedRegions: []string{"fsn1", ""}}
		}, []Problem{
			{Path: "clouds.hetzner.allowed_regions[1]", Msg: "is empty"},
			{Path: "clouds.hetzner.size", Msg: `"cx22" is not in clouds.hetzner.allowed_sizes (cx32)`},
			{Path: "clouds.hetzner.region", Msg: `"nbg1" is not in clouds.hetzner.allowed_regions (fsn1, )`},
		}},
		{"ssh cidr", func(c *Config) { c.Cloud("aws").Settings["ssh_cidr"] = "203.0.113.7" },
			[]Problem{{Path: "clouds.aws.ssh_cidr", Msg: `"203.0.113.7" is not a CIDR block (examples: 0.0.0.0/0, 203.0.113.0/24)`}}},
		{"ids", func(c *Config) {
			c.Policy.Admins = []string{"W0123ABCD", "u0123abcd"}
			c.Policy.Approvers = []string{"S0123ABCD"}
		}, []Problem{
			{Path: "policy.admins[1]", Msg: `"u0123abcd" ` + notUser},
			{Path: "policy.approvers[0]", Msg: `"S0123ABCD" ` + notUser},
		}},
		{"approval needs approvers", func(c *Config) { c.Policy.ApprovalAbove = ptr(0.0) },
			[]Problem{{Path: "policy.approval_above", Msg: "is set, but policy.approvers is empty: nobody could approve"}}},
		{"approval above negative", func(c *Config) { c.Policy.ApprovalAbove = ptr(-0.5); c.Policy.Approvers = []string{"U0123ABCD"} },
			[]Problem{{Path: "policy.approval_above", Msg: "-0.5 must be 0 or more USD per hour (0: every VM needs approval; leave it out: none does)"}}},
		{"approval above NaN", func(c *Config) { c.Policy.ApprovalAbove = ptr(math.NaN()) },
			[]Problem{{Path: "policy.approval_above", Msg: "NaN must be 0 or more USD per hour (0: every VM needs approval; leave it out: none does)"}}},
		{"approval expiry", func(c *Config) { c.Policy.ApprovalExpiry = -time.Hour },
			[]Problem{{Path: "policy.approval_expiry", Msg: "-1h must be longer than 0 (example: 4h)"}}},
		{"channels", func(c *Config) {
			c.Policy.AllowedChannels = []string{"C0123ABCD", "#general"}
			c.Policy.Channels = map[string]ChannelPolicy{
				"C0123ABCD": {Clouds: []string{"demo", "aws", "gcp"}, Sizes: []string{""}},
				"C0999ZZZZ": {},
				"dev":       {},
			}
		}, []Problem{
			{Path: "policy.allowed_channels[1]", Msg: `"#general" ` + notChannel},
			{Path: "policy.channels.C0123ABCD.clouds[1]", Msg: "aws is not enabled (enabled: demo)"},
			{Path: "policy.channels.C0123ABCD.clouds[2]", Msg: `"gcp" is not a cloud (one of: aws, demo, digitalocean, hetzner)`},
			{Path: "policy.channels.C0123ABCD.sizes[0]", Msg: "is empty"},
			{Path: "policy.channels.C0999ZZZZ", Msg: "is not in policy.allowed_channels, so commands are refused there anyway"},
			{Path: "policy.channels.dev", Msg: `"dev" ` + notChannel},
		}},
		{"negative numbers", func(c *Config) { c.Policy.MaxInstancesPerUser = -1; c.Policy.MonthlyBudgetPerUser = -10 }, []Problem{
			{Path: "policy.max_instances_per_user", Msg: "-1 must be 0 or more (0: no limit)"},
			{Path: "policy.monthly_budget_per_user", Msg: "-10 must be 0 or more USD (0: no budget)"},
		}},
		{"over budget value", func(c *Config) { c.Policy.OverBudget = "ask" },
			[]Problem{{Path: "policy.over_budget", Msg: `"ask" is not allowed (one of: refuse, approve)`}}},
		{"over budget approve needs approvers", func(c *Config) { c.Policy.OverBudget = OverBudgetApprove; c.Policy.MonthlyBudgetPerUser = 50 },
			[]Problem{{Path: "policy.over_budget", Msg: "is approve, but policy.approvers is empty: nobody could approve"}}},
		{"over budget approve without a budget", func(c *Config) { c.Policy.OverBudget = OverBudgetApprove }, nil},
		{"leases", func(c *Config) {
			c.Policy.DefaultLease, c.Policy.MaxLease = 48*time.Hour, 24*time.Hour
			c.Policy.WarnBefore, c.Policy.ReconcileEvery, c.Policy.OrphanGrace = -time.Minute, 0, -time.Hour
		}, []Problem{
			{Path: "policy.max_lease", Msg: "1d is shorter than policy.default_lease (2d)"},
			{Path: "policy.warn_before", Msg: "-1m must not be negative (0: no warning; example: 30m)"},
			{Path: "policy.reconcile_every", Msg: "must be longer than 0 (example: 5m)"},
			{Path: "policy.orphan_grace", Msg: "-1h must not be negative (0: never destroy orphans; example: 24h)"},
		}},
		{"no lease", func(c *Config) { c.Policy.DefaultLease = 0 },
			[]Problem{{Path: "policy.default_lease", Msg: "must be longer than 0 (example: 8h)"}}},
		{"warning after the lease", func(c *Config) { c.Policy.DefaultLease, c.Policy.WarnBefore = time.Hour, time.Hour },
			[]Problem{{Path: "policy.warn_before", Msg: "1h must be shorter than policy.default_lease (1h)"}}},
		{"no warning", func(c *Config) { c.Policy.WarnBefore = 0 }, nil},
		{"retentions kept for good", func(c *Config) { c.Store = Store{} }, nil},
		{"retentions too short", func(c *Config) { c.Store = Store{JournalRetention: time.Hour, AuditRetention: -time.Hour} }, []Problem{
			{Path: "store.journal_retention", Msg: "1h is too short (0: keep for good, or at least 1d; example: 30d)"},
			{Path: "store.audit_retention", Msg: "-1h is too short (0: keep for good, or at least 1d; example: 30d)"},
		}},
		{"top level", func(c *Config) {
			c.NotifyChannel, c.Database, c.Listen = "spuff-notes", " ", "localhost:http"
		}, []Problem{
			{Path: "notify_channel", Msg: `"spuff-notes" ` + notChannel},
			{Path: "database", Msg: "must name the database file (example: ./spuffbot.db)"},
			{Path: "listen", Msg: `"localhost:http" is not a host:port address (examples: :9090, 127.0.0.1:9090; empty: no server)`},
		}},
		{"listen port out of range", func(c *Config) { c.Listen = ":65536" },
			[]Problem{{Path: "listen", Msg: `":65536" is not a host:port address (examples: :9090, 127.0.0.1:9090; empty: no server)`}}},
		{"listen forms", func(c *Config) { c.Listen = "[::1]:9090" }, nil},
		{"ssh probe", func(c *Config) { c.SSH.Port, c.SSH.Wait = 0, -time.Minute }, []Problem{
			{Path: "ssh.port", Msg: "0 is not a port (1 to 65535; example: 22)"},
			{Path: "ssh.wait", Msg: "-1m must not be negative (0: no probe; example: 5m)"},
		}},
		{"no ssh probe", func(c *Config) { c.SSH.Wait = 0 }, nil},
		{"log", func(c *Config) { c.Log = Log{Level: 2, Format: "logfmt"} }, []Problem{
			{Path: "log.level", Msg: "INFO+2 is not allowed (one of: debug, info, warn, error)"},
			{Path: "log.format", Msg: `"logfmt" is not allowed (one of: text, json)`},
		}},
		{"cloud init not YAML", func(c *Config) { c.CloudInit = "packages: [htop" },
			[]Problem{{Path: "cloud_init", Msg: "is not YAML: line 1: did not find expected ',' or ']'"}}},
		{"cloud init a string", func(c *Config) { c.CloudInit = "apt install htop" },
			[]Problem{{Path: "cloud_init", Msg: `must be a mapping of cloud-config keys (like packages: [htop]), not the value "apt install htop"`}}},
		{"cloud init with header", func(c *Config) { c.CloudInit = "#cloud-config\npackages: [htop]\n" }, nil},
		{"everything enabled", func(c *Config) {
			for _, name := range KnownClouds() {
				c.Cloud(name).Enabled = true
			}
			c.Policy.Admins, c.Policy.Approvers = []string{"U0123ABCD"}, []string{"U0456EFGH", "W0789IJKL0"}
			c.Policy.ApprovalAbove, c.Policy.MonthlyBudgetPerUser, c.Policy.OverBudget = ptr(0.1), 100, OverBudgetApprove
			c.Policy.AllowedChannels = []string{"C0123ABCD", "G0123ABCD", "D0123ABCD"}
			c.Policy.Channels = map[string]ChannelPolicy{"G0123ABCD": {Clouds: []string{"aws"}}}
			c.NotifyChannel, c.Listen = "C0789MNOP", "127.0.0.1:0"
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			var got []Problem
			if err := c.Validate(); err != nil {
				got = problemsOf(t, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestValidationErrorText(t *testing.T) {
	e := &ValidationError{File: "spuffbot.yaml", Problems: []Problem{
		{Path: "policy.max_lease", Line: 12, Msg: `"3x" is not a duration`},
		{Path: "SPUFF_ADMINS", Msg: "item 2: bad"},
		{Line: 3, Msg: "a second YAML document"},
		{Msg: "line 2: did not find expected key"},
	}}
	want := `spuffbot.yaml:12: policy.max_lease: "3x" is not a duration
SPUFF_ADMINS: item 2: bad
spuffbot.yaml:3: a second YAML document
spuffbot.yaml: line 2: did not find expected key`
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	e.File = ""
	if got, want := e.Problems[0].String(), `line 12: policy.max_lease: "3x" is not a duration`; got != want {
		t.Errorf("Problem.String() = %q, want %q", got, want)
	}
}

func TestAllowedImagesNameKnownClouds(t *testing.T) {
	tests := []struct {
		allowed []string
		want    string // a problem's text; "" for none
	}{
		{[]string{"ami-0abc", "hetzner:123", "12345"}, ""},
		{[]string{"linode:42"}, `"linode" is not a cloud`},
		{[]string{"hetzner:"}, "names no image"},
		{[]string{" "}, "is empty"},
	}
	for _, tt := range tests {
		c := Default()
		c.Images.Allowed = tt.allowed
		err := c.Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Validate(images.allowed %q) = %v, want nil", tt.allowed, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Validate(images.allowed %q) = %v, want a problem with %q", tt.allowed, err, tt.want)
		}
	}
}
