package config

import (
	"fmt"
	"log/slog"
	"math"
	"net"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"go.yaml.in/yaml/v3"
)

var (
	// Slack user ids: U… in a workspace, W… in Enterprise Grid.
	userID = regexp.MustCompile(`^[UW][A-Z0-9]{8,20}$`)
	// Slack conversation ids: C… public, G… private (older), D… direct.
	channelID = regexp.MustCompile(`^[CGD][A-Z0-9]{8,20}$`)
)

// Validate reports, as a *ValidationError, every setting that is out of
// range or does not fit with another; it returns nil when all is well.
// Problems carry field paths only; Load adds lines and variables.
func (c *Config) Validate() error {
	v := &validator{c: c}
	v.clouds()
	v.access()
	v.leases()
	v.rest()
	v.store()
	v.images()
	v.ssh()
	v.idle() // idle.go
	if len(v.probs) == 0 {
		return nil
	}
	return &ValidationError{Problems: v.probs}
}

type validator struct {
	c     *Config
	probs problems
}

func (v *validator) add(path, format string, args ...any) {
	v.probs.add(path, 0, format, args...)
}

func (v *validator) clouds() {
	c := v.c
	known := KnownClouds()
	switch def := c.Clouds.Default; {
	case def == "":
		v.add("clouds.default", "must name a cloud (one of: %s)", strings.Join(known, ", "))
	case c.Cloud(def) == nil:
		v.add("clouds.default", "%s", notACloud(def))
	case !c.Cloud(def).Enabled:
		enabled := "none is"
		if e := c.EnabledClouds(); len(e) > 0 {
			enabled = strings.Join(e, ", ")
		}
		v.add("clouds.default", "%s is not enabled; set clouds.%s.enabled: true, or choose an enabled cloud (enabled: %s)", def, def, enabled)
	}
	for _, name := range c.cloudNames() {
		cl, p := c.Cloud(name), "clouds."+name+"."
		v.nonEmpty(p+"allowed_sizes", cl.AllowedSizes)
		v.nonEmpty(p+"allowed_regions", cl.AllowedRegions)
		if cl.Size != "" && len(cl.AllowedSizes) > 0 && !slices.Contains(cl.AllowedSizes, cl.Size) {
			v.add(p+"size", "%q is not in %sallowed_sizes (%s)", cl.Size, p, strings.Join(cl.AllowedSizes, ", "))
		}
		if cl.Region != "" && len(cl.AllowedRegions) > 0 && !slices.Contains(cl.AllowedRegions, cl.Region) {
			v.add(p+"region", "%q is not in %sallowed_regions (%s)", cl.Region, p, strings.Join(cl.AllowedRegions, ", "))
		}
		v.settings(name, cl)
	}
}

// settings checks the settings only the cloud called name has, as its
// package registered them.
func (v *validator) settings(name string, cl *Cloud) {
	rc, ok := providers.Registered().Lookup(name)
	if !ok {
		return
	}
	for _, s := range rc.Settings {
		if val := cl.Settings[s.Key]; val != "" && s.Check != nil {
			if msg := s.Check(val); msg != "" {
				v.add("clouds."+name+"."+s.Key, "%s", msg)
			}
		}
	}
}

func notACloud(name string) string {
	msg := fmt.Sprintf("%q is not a cloud (one of: %s)", name, strings.Join(KnownClouds(), ", "))
	if best, ok := closest(name, KnownClouds()); ok {
		msg += "; did you mean " + best + "?"
	}
	return msg
}

// access checks who may do what where, and what it may cost.
func (v *validator) access() {
	p := &v.c.Policy
	v.users("policy.admins", p.Admins)
	v.users("policy.approvers", p.Approvers)
	if a := p.ApprovalAbove; a != nil {
		switch {
		case math.IsNaN(*a) || math.IsInf(*a, 0) || *a < 0:
			v.add("policy.approval_above", "%v must be 0 or more USD per hour (0: every VM needs approval; leave it out: none does)", *a)
		case len(p.Approvers) == 0:
			v.add("policy.approval_above", "is set, but policy.approvers is empty: nobody could approve")
		}
	}
	v.positive("policy.approval_expiry", p.ApprovalExpiry, "4h")
	v.positive("policy.create_timeout", p.CreateTimeout, "5m")
	v.positive("policy.boot_timeout", p.BootTimeout, "10m")
	for i, id := range p.AllowedChannels {
		v.channel(fmt.Sprintf("policy.allowed_channels[%d]", i), id)
	}
	ids := make([]string, 0, len(p.Channels))
	for id := range p.Channels {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		path := "policy.channels." + id
		v.channel(path, id)
		if channelID.MatchString(id) && !v.c.ChannelAllowed(id) {
			v.add(path, "is not in policy.allowed_channels, so commands are refused there anyway")
		}
		cp := p.Channels[id]
		for i, name := range cp.Clouds {
			cpath := fmt.Sprintf("%s.clouds[%d]", path, i)
			switch cl := v.c.Cloud(name); {
			case cl == nil:
				v.add(cpath, "%s", notACloud(name))
			case !cl.Enabled:
				v.add(cpath, "%s is not enabled (enabled: %s)", name, strings.Join(v.c.EnabledClouds(), ", "))
			}
		}
		v.nonEmpty(path+".sizes", cp.Sizes)
	}
	if p.MaxInstancesPerUser < 0 {
		v.add("policy.max_instances_per_user", "%d must be 0 or more (0: no limit)", p.MaxInstancesPerUser)
	}
	if b := p.MonthlyBudgetPerUser; math.IsNaN(b) || math.IsInf(b, 0) || b < 0 {
		v.add("policy.monthly_budget_per_user", "%v must be 0 or more USD (0: no budget)", b)
	}
	switch p.OverBudget {
	case OverBudgetRefuse:
	case OverBudgetApprove:
		if p.MonthlyBudgetPerUser > 0 && len(p.Approvers) == 0 {
			v.add("policy.over_budget", "is approve, but policy.approvers is empty: nobody could approve")
		}
	default:
		v.add("policy.over_budget", "%q is not allowed (one of: refuse, approve)", p.OverBudget)
	}
}

// leases checks the durations of the policy and how they fit together.
func (v *validator) leases() {
	p := &v.c.Policy
	v.positive("policy.default_lease", p.DefaultLease, "8h")
	v.positive("policy.max_lease", p.MaxLease, "72h")
	if p.DefaultLease > 0 && p.MaxLease > 0 && p.MaxLease < p.DefaultLease {
		v.add("policy.max_lease", "%s is shorter than policy.default_lease (%s)", fmtDuration(p.MaxLease), fmtDuration(p.DefaultLease))
	}
	switch {
	case p.WarnBefore < 0:
		v.add("policy.warn_before", "%s must not be negative (0: no warning; example: 30m)", fmtDuration(p.WarnBefore))
	case p.WarnBefore > 0 && p.DefaultLease > 0 && p.WarnBefore >= p.DefaultLease:
		v.add("policy.warn_before", "%s must be shorter than policy.default_lease (%s)", fmtDuration(p.WarnBefore), fmtDuration(p.DefaultLease))
	}
	v.positive("policy.reconcile_every", p.ReconcileEvery, "5m")
	if p.OrphanGrace < 0 {
		v.add("policy.orphan_grace", "%s must not be negative (0: never destroy orphans; example: 24h)", fmtDuration(p.OrphanGrace))
	}
}

// rest checks the top-level settings.
func (v *validator) rest() {
	c := v.c
	if c.NotifyChannel != "" {
		v.channel("notify_channel", c.NotifyChannel)
	}
	if strings.TrimSpace(c.Database) == "" {
		v.add("database", "must name the database file (example: ./spuffbot.db)")
	}
	if c.Listen != "" {
		_, port, err := net.SplitHostPort(c.Listen)
		if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
			v.add("listen", "%q is not a host:port address (examples: :9090, 127.0.0.1:9090; empty: no server)", c.Listen)
		}
	}
	switch c.Log.Level {
	case slog.LevelDebug, slog.LevelInfo, slog.LevelWarn, slog.LevelError:
	default:
		v.add("log.level", "%v is not allowed (one of: debug, info, warn, error)", c.Log.Level)
	}
	if c.Log.Format != LogText && c.Log.Format != LogJSON {
		v.add("log.format", "%q is not allowed (one of: text, json)", c.Log.Format)
	}
	if strings.TrimSpace(c.CloudInit) != "" {
		if msg := cloudConfigProblem(c.CloudInit); msg != "" {
			v.add("cloud_init", "%s", msg)
		}
	}
}

// cloudConfigProblem says why s is not a YAML mapping, or "" when it is.
func cloudConfigProblem(s string) string {
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		return "is not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		what := "nothing"
		if len(doc.Content) > 0 {
			what = kindName(resolve(doc.Content[0]))
		}
		return fmt.Sprintf("must be a mapping of cloud-config keys (like packages: [htop]), not %s", what)
	}
	return ""
}

func (v *validator) positive(path string, d time.Duration, example string) {
	switch {
	case d == 0:
		v.add(path, "must be longer than 0 (example: %s)", example)
	case d < 0:
		v.add(path, "%s must be longer than 0 (example: %s)", fmtDuration(d), example)
	}
}

func (v *validator) nonEmpty(path string, items []string) {
	for i, s := range items {
		if strings.TrimSpace(s) == "" {
			v.add(fmt.Sprintf("%s[%d]", path, i), "is empty")
		}
	}
}

func (v *validator) users(path string, ids []string) {
	for i, id := range ids {
		if !userID.MatchString(id) {
			v.add(fmt.Sprintf("%s[%d]", path, i), "%q is not a Slack user id (like U0123ABCD or W0123ABCD); names and user groups are not accepted: copy the member id from the person's profile", id)
		}
	}
}

func (v *validator) channel(path, id string) {
	if !channelID.MatchString(id) {
		v.add(path, "%q is not a Slack channel id (like C0123ABCD, or G…/D… for private and direct); copy it from the channel's details", id)
	}
}
