// Package config reads spuffbot's settings: the file spuffbot.yaml, then the
// environment, which wins over the file. Every setting has a YAML path and an
// environment variable; docs/configuration.md lists them all. The clouds and
// their settings are those registered with package providers
// (providers.Registered): clouds.<name>.* for each.
//
// Load checks everything at once and returns a *ValidationError that names
// every problem with its field path (or, for a value taken from the
// environment, the variable) and what would be allowed, so that one start
// shows every mistake.
package config

import (
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// EnvFile is the variable naming the configuration file when no --config
// flag is given.
const EnvFile = "SPUFF_CONFIG"

// Demo is the simulated cloud, the default one.
const Demo = "demo"

// KnownClouds returns the names of the clouds spuffbot can use, sorted:
// those registered with package providers (providers.Registered) by the
// provider packages linked into the binary.
func KnownClouds() []string { return providers.Registered().Names() }

// Config is spuffbot's whole configuration. Default returns it filled with
// the documented defaults; Load reads it from a file and the environment.
type Config struct {
	Clouds Clouds
	Policy Policy
	// NotifyChannel is the Slack channel id that gets a one-line note for
	// every VM created and destroyed. Empty: no notes.
	NotifyChannel string
	// Database is the path of the bbolt file. Default "./spuffbot.db".
	Database string
	// Store says how long finished operations and audit events are kept.
	Store Store
	// Listen is the host:port of the metrics and health server. Empty (the
	// default): no server.
	Listen string
	Log    Log
	// CloudInit is extra cloud-config (the YAML text of a mapping, such as
	// "packages: [htop]") merged into every VM's user data. Empty: none.
	CloudInit string
	// Images says which custom images people may boot.
	Images Images
	// SSH is how a new VM's ssh server is checked.
	SSH SSH
	// Idle is when a VM counts as forgotten (idle.go).
	Idle Idle
}

// Clouds says which clouds are enabled and how each is used.
type Clouds struct {
	// Default is the cloud a command uses when it names none. Default "demo".
	Default string
	// ByName holds the settings of every known cloud (KnownClouds), by
	// name: clouds.<name> in the file, SPUFF_<NAME>_* in the environment.
	// Config.Cloud reads it.
	ByName map[string]*Cloud
}

// Cloud holds one cloud's settings. Empty strings and lists mean the
// provider's own choice and no restriction.
type Cloud struct {
	// Enabled reports whether commands may use the cloud. When the file and
	// the environment leave it unset, it is true for the default cloud only.
	Enabled bool
	// Region, Size and Image are the defaults for `/spuff up`. Empty: the
	// first region and cheapest size of the catalog, Ubuntu 24.04.
	Region, Size, Image string
	// AllowedSizes and AllowedRegions restrict what people may ask for.
	// Empty: everything the cloud offers.
	AllowedSizes, AllowedRegions []string
	// Settings are the settings only this cloud has, by YAML key, as its
	// package registers them (providers.Setting): "ssh_cidr" for aws.
	// Default: each setting's registered default.
	Settings map[string]string
}

// OverBudget says what happens to a request that would take a person over
// their monthly budget.
type OverBudget string

// OverBudget values.
const (
	OverBudgetRefuse  OverBudget = "refuse"  // the request is refused
	OverBudgetApprove OverBudget = "approve" // the request needs an approver
)

// Policy is who may do what, where, and for how long.
type Policy struct {
	// Admins (Slack user ids) may act on anyone's instances.
	Admins []string
	// Approvers (Slack user ids) decide on requests that need approval.
	Approvers []string
	// ApprovalAbove is the hourly price in USD above which a new VM needs an
	// approver. Nil (the default): never; 0: always.
	ApprovalAbove *float64
	// ApprovalExpiry is how long a request waits for a decision. Default 4h.
	ApprovalExpiry time.Duration
	// AllowedChannels (Slack channel ids) restricts where commands are
	// accepted. Empty (the default): everywhere.
	AllowedChannels []string
	// Channels narrows, per channel id, the clouds and sizes allowed there.
	Channels map[string]ChannelPolicy
	// MaxInstancesPerUser caps a person's running instances. Default 3;
	// 0: no limit.
	MaxInstancesPerUser int
	// MonthlyBudgetPerUser is what a person may spend per calendar month, in
	// USD. 0 (the default): no budget.
	MonthlyBudgetPerUser float64
	// OverBudget says what happens over the budget. Default "refuse".
	OverBudget OverBudget
	// DefaultLease is a VM's lifetime when `up` has no --ttl. Default 8h.
	DefaultLease time.Duration
	// MaxLease caps --ttl and extend. Default 72h.
	MaxLease time.Duration
	// WarnBefore is how long before the lease ends the owner is warned.
	// Default 30m; 0: no warning.
	WarnBefore time.Duration
	// ReconcileEvery is how often the clouds are compared with the store.
	// Default 5m.
	ReconcileEvery time.Duration
	// OrphanGrace is how long a VM labelled managed-by=spuff but unknown to
	// the store may live before it is destroyed. 0 (the default): never
	// destroyed, only reported.
	OrphanGrace time.Duration
	// CreateTimeout is how long a cloud call whose outcome is unknown (a
	// create, destroy or snapshot that timed out or got a server error)
	// is looked up and retried before the operation fails. Default 5m.
	CreateTimeout time.Duration
	// BootTimeout is how long a new VM may take to become ready before
	// it is destroyed. Default 10m.
	BootTimeout time.Duration
}

// ChannelPolicy narrows what one channel may use. An empty list leaves that
// dimension unrestricted.
type ChannelPolicy struct {
	Clouds []string
	Sizes  []string
	// IdleAfter overrides Idle.After for VMs created in the channel; 0
	// turns the idle checks off there. Nil: Idle.After.
	IdleAfter *time.Duration
}

// LogFormat is how log lines are written.
type LogFormat string

// LogFormat values.
const (
	LogText LogFormat = "text" // key=value lines (slog.TextHandler)
	LogJSON LogFormat = "json" // one JSON object per line (slog.JSONHandler)
)

// Log configures the logger.
type Log struct {
	// Level is the least severe level written: debug, info, warn or error.
	// Default info.
	Level slog.Level
	// Format is text (the default) or json.
	Format LogFormat
}

// Default returns the configuration used when neither a file nor the
// environment says otherwise: the demo cloud only, no approvals, no budget.
func Default() *Config {
	return &Config{
		Clouds: defaultClouds(),
		Policy: Policy{
			ApprovalExpiry:      4 * time.Hour,
			MaxInstancesPerUser: 3,
			OverBudget:          OverBudgetRefuse,
			DefaultLease:        8 * time.Hour,
			MaxLease:            72 * time.Hour,
			WarnBefore:          30 * time.Minute,
			ReconcileEvery:      5 * time.Minute,
			CreateTimeout:       5 * time.Minute,
			BootTimeout:         10 * time.Minute,
		},
		Database: "./spuffbot.db",
		Store:    Store{JournalRetention: DefaultJournalRetention, AuditRetention: DefaultAuditRetention},
		Log:      Log{Level: slog.LevelInfo, Format: LogText},
		SSH:      SSH{Port: 22, Wait: 5 * time.Minute},
		Idle:     defaultIdle(),
	}
}

// defaultClouds returns every known cloud with its registered defaults;
// only the demo cloud is enabled, and it is the default.
func defaultClouds() Clouds {
	cs := Clouds{Default: Demo, ByName: map[string]*Cloud{}}
	for _, rc := range providers.Registered().Clouds() {
		cl := &Cloud{Enabled: rc.Name == Demo, Settings: map[string]string{}}
		for _, s := range rc.Settings {
			cl.Settings[s.Key] = s.Default
		}
		cs.ByName[rc.Name] = cl
	}
	return cs
}

// Cloud returns the settings of the named cloud, or nil for a name spuffbot
// does not know.
func (c *Config) Cloud(name string) *Cloud { return c.Clouds.ByName[name] }

// cloudNames returns the names of the clouds c has settings for, sorted.
func (c *Config) cloudNames() []string {
	names := make([]string, 0, len(c.Clouds.ByName))
	for name := range c.Clouds.ByName {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// EnabledClouds returns the names of the enabled clouds, sorted.
func (c *Config) EnabledClouds() []string {
	var names []string
	for _, name := range c.cloudNames() {
		if c.Cloud(name).Enabled {
			names = append(names, name)
		}
	}
	return names
}

// ChannelAllowed reports whether commands are accepted in channel.
func (c *Config) ChannelAllowed(channel string) bool {
	return len(c.Policy.AllowedChannels) == 0 || slices.Contains(c.Policy.AllowedChannels, channel)
}

// LogHandler returns a handler writing to w in the configured format at the
// configured level.
func (c *Config) LogHandler(w io.Writer) slog.Handler {
	opts := &slog.HandlerOptions{Level: c.Log.Level}
	if c.Log.Format == LogJSON {
		return slog.NewJSONHandler(w, opts)
	}
	return slog.NewTextHandler(w, opts)
}
