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
			Default: Hetzner,
			DigitalOcean: Cloud{Enabled: true, Region: "fra1", Size: "s-2vcpu-4gb", Image: "ubuntu-24.04",
				AllowedSizes: []string{"s-1vcpu-2gb", "s-2vcpu-4gb", "s-4vcpu-8gb"}, AllowedRegions: []string{"fra1", "ams3"}},
			Hetzner: Cloud{Enabled: true, Region: "fsn1", Size: "cx22", Image: "ubuntu-24.04",
				AllowedSizes: []string{"cx22", "cx32", "cx42"}},
			AWS: AWSCloud{Cloud: Cloud{Region: "eu-central-1", Size: "t3.medium", Image: "ubuntu-24.04",
				AllowedSizes: []string{"t3.small", "t3.medium", "t3.large"}, AllowedRegions: []string{"eu-central-1"}},
				SSHCIDR: "0.0.0.0/0"},
			Demo: Cloud{Region: "demo-eu", Size: "small", Image: "ubuntu-24.04", AllowedSizes: []string{"small", "medium"}},
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
		},
		NotifyChannel: "C0789MNOP",
		Database:      "./spuffbot.db",
		Listen:        ":9090",
		Log:           Log{Level: slog.LevelInfo, Format: LogText},
		CloudInit:     "packages: [htop, tmux]\ntimezone: Europe/Berlin\n",
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
// setting's path and variable are in the table.
func TestDocsListEverySetting(t *testing.T) {
	data, err := os.ReadFile("../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for _, f := range Default().fields() {
		row := "| `" + f.path + "` | `" + f.env + "` |"
		if !strings.Contains(doc, row) {
			t.Errorf("docs/configuration.md has no row starting %q", row)
		}
	}
}

func TestEnabledClouds(t *testing.T) {
	c := Default()
	c.Clouds.Hetzner.Enabled = true
	c.Clouds.AWS.Enabled = true
	if got, want := c.EnabledClouds(), []string{"aws", "demo", "hetzner"}; !cmp.Equal(got, want) {
		t.Errorf("EnabledClouds() = %v, want %v", got, want)
	}
	if got := c.Cloud("linode"); got != nil {
		t.Errorf("Cloud(%q) = %v, want nil", "linode", got)
	}
	if got := c.Cloud(AWS); got != &c.Clouds.AWS.Cloud {
		t.Errorf("Cloud(%q) does not point into Clouds.AWS", AWS)
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
