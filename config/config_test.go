package config

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const exampleFile = "../spuffbot.example.yaml"

func TestDefaultValidates(t *testing.T) {
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
}

func TestExampleLoads(t *testing.T) {
	c, err := Load(exampleFile, noEnv)
	if err != nil {
		t.Fatalf("Load(%s) = %v", exampleFile, err)
	}
	above := 0.10
	idleAfter := 2 * time.Hour
	want := &Config{
		Clouds: Clouds{
			Default: "hetzner",
			ByName: map[string]*Cloud{
				"digitalocean": {Enabled: true, Region: "fra1", Size: "s-2vcpu-4gb", Image: "ubuntu-24.04",
					AllowedSizes: []string{"s-1vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"}, AllowedRegions: []string{"fra1", "ams3"},
					Settings: map[string]string{}},
				"hetzner": {Enabled: true, Region: "fsn1", Size: "cx22", Image: "ubuntu-24.04",
					AllowedSizes: []string{"cx22", "cx32", "cx42"}, Settings: map[string]string{}},
				"aws": {Region: "eu-central-1", Size: "t3.medium", Image: "ubuntu-24.04",
					AllowedSizes: []string{"t3.small", "t3.medium", "t3.large"}, AllowedRegions: []string{"eu-central-1"},
					Settings: map[string]string{"ssh_cidr": "0.0.0.0/0"}},
				"demo": {Region: "demo-eu", Size: "small", Image: "ubuntu-24.04", AllowedSizes: []string{"small", "medium"},
					Settings: map[string]string{}},
			},
		},
		Policy: Policy{
			Admins:               []string{"U0123ABCD"},
			Approvers:            []string{"U0456EFGH", "W0789IJKL"},
			ApprovalAbove:        &above,
			ApprovalExpiry:       4 * time.Hour,
			AllowedChannels:      []string{"C0123ABCD", "C0456EFGH"},
			Channels:             map[string]ChannelPolicy{"C0456EFGH": {Clouds: []string{"hetzner"}, Sizes: []string{"cx22"}, IdleAfter: &idleAfter}},
			MaxInstancesPerUser:  3,
			MonthlyBudgetPerUser: 100,
			OverBudget:           OverBudgetRefuse,
			DefaultLease:         8 * time.Hour,
			MaxLease:             72 * time.Hour,
			WarnBefore:           30 * time.Minute,
			ReconcileEvery:       5 * time.Minute,
			CreateTimeout:        5 * time.Minute,
			BootTimeout:          10 * time.Minute,
		},
		NotifyChannel: "C0789MNOP",
		Database:      "./spuffbot.db",
		Store:         Store{JournalRetention: 30 * 24 * time.Hour, AuditRetention: 365 * 24 * time.Hour},
		Listen:        ":9090",
		Log:           Log{Level: slog.LevelInfo, Format: LogText},
		CloudInit:     "packages: [htop, tmux]\ntimezone: Europe/Berlin\n",
		Images:        Images{Allowed: []string{"hetzner:12345678"}},
		SSH:           SSH{Port: 22, Wait: 5 * time.Minute},
		Idle:          Idle{After: time.Hour, CPUBelow: 5, NetBelow: 10_000, CheckEvery: 5 * time.Minute, Grace: 30 * time.Minute},
	}
	if diff := cmp.Diff(want, c); diff != "" {
		t.Errorf("Load(%s) (-want +got):\n%s", exampleFile, diff)
	}
}

// TestExampleSetsEverySetting keeps the annotated example complete.
func TestExampleSetsEverySetting(t *testing.T) {
	data, err := os.ReadFile(exampleFile)
	if err != nil {
		t.Fatal(err)
	}
	c := Default()
	r := newReader(c)
	if msg := r.file(data); msg != "" || len(r.probs) > 0 {
		t.Fatalf("reading %s: %s %v", exampleFile, msg, r.probs)
	}
	for _, f := range c.fields() {
		if _, ok := r.origin[f.path]; !ok {
			t.Errorf("%s does not set %s", exampleFile, f.path)
		}
	}
}

// TestDocsListEverySetting keeps docs/configuration.md complete: every
// setting's path and variable are in the table. The settings every cloud
// has are one row each, for clouds.<cloud>.
func TestDocsListEverySetting(t *testing.T) {
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	c := Default()
	common := map[string]bool{}
	for _, f := range (&Config{Clouds: Clouds{ByName: map[string]*Cloud{"x": {}}}}).fields() {
		if strings.HasPrefix(f.path, "clouds.x.") {
			common[strings.TrimPrefix(f.path, "clouds.x.")] = true
		}
	}
	for _, f := range c.fields() {
		path, env := f.path, f.env
		for _, name := range c.cloudNames() {
			if key, ok := strings.CutPrefix(path, "clouds."+name+"."); ok && common[key] {
				path = "clouds.<cloud>." + key
				env = "SPUFF_<CLOUD>_" + strings.TrimPrefix(env, "SPUFF_"+strings.ToUpper(name)+"_")
			}
		}
		row := "| `" + path + "` | `" + env + "` |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/configuration.md has no row starting %q", row)
		}
	}
}

func TestEnabledClouds(t *testing.T) {
	c := Default()
	c.Cloud("hetzner").Enabled = true
	c.Cloud("aws").Enabled = true
	if got, want := c.EnabledClouds(), []string{"aws", "demo", "hetzner"}; !cmp.Equal(got, want) {
		t.Errorf("EnabledClouds() = %v, want %v", got, want)
	}
	if got := c.Cloud("linode"); got != nil {
		t.Errorf("Cloud(%q) = %v, want nil", "linode", got)
	}
	if got := c.Cloud("aws"); got != c.Clouds.ByName["aws"] {
		t.Errorf("Cloud(%q) does not point into Clouds.ByName", "aws")
	}
}

func TestChannelAllowed(t *testing.T) {
	c := Default()
	if !c.ChannelAllowed("C0123ABCD") {
		t.Errorf("ChannelAllowed(C0123ABCD) with no list = false, want true")
	}
	c.Policy.AllowedChannels = []string{"C0456EFGH"}
	for ch, want := range map[string]bool{"C0123ABCD": false, "C0456EFGH": true} {
		if got := c.ChannelAllowed(ch); got != want {
			t.Errorf("ChannelAllowed(%q) = %v, want %v", ch, got, want)
		}
	}
}

func TestLogHandler(t *testing.T) {
	tests := []struct {
		format LogFormat
		level  slog.Level
		want   string // what the info line looks like; "" when filtered
	}{
		{LogText, slog.LevelInfo, "level=INFO msg=started provider=hetzner\n"},
		{LogJSON, slog.LevelDebug, `{"level":"INFO","msg":"started","provider":"hetzner"}` + "\n"},
		{LogText, slog.LevelWarn, ""},
	}
	for _, tt := range tests {
		t.Run(string(tt.format)+"/"+tt.level.String(), func(t *testing.T) {
			c := Default()
			c.Log = Log{Level: tt.level, Format: tt.format}
			var buf bytes.Buffer
			slog.New(dropTime{c.LogHandler(&buf)}).Info("started", "provider", "hetzner")
			if got := buf.String(); got != tt.want {
				t.Errorf("LogHandler(%s, %s) wrote %q, want %q", tt.format, tt.level, got, tt.want)
			}
			if tt.format == LogJSON && buf.Len() > 0 && !json.Valid(buf.Bytes()) {
				t.Errorf("LogHandler(json) wrote invalid JSON %q", buf.String())
			}
		})
	}
}

// dropTime leaves the time out of records, so that lines are stable.
type dropTime struct{ slog.Handler }

func (d dropTime) Handle(ctx context.Context, r slog.Record) error {
	r.Time = time.Time{}
	return d.Handler.Handle(ctx, r)
}
