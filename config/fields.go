package config

import (
	"slices"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// A field is one setting: where it sits in the file, the variable that
// overrides it, and the Config value it fills. The value's type (via ptr)
// decides how the YAML node or the variable's text is read.
type field struct {
	path string // dotted YAML path, "policy.max_lease"
	env  string // environment variable, "SPUFF_MAX_LEASE"
	ptr  any    // *string, *[]string, *bool, *int, *float64, **float64, *time.Duration, ...
}

// timeout marks a duration that may also be given as a plain number of
// seconds ("600").
type timeout struct{ d *time.Duration }

// cloudInitText marks the cloud_init string: YAML text or a mapping node.
type cloudInitText struct{ s *string }

// settingText is one of a cloud's own settings (Cloud.Settings[key]).
type settingText struct {
	m   map[string]string
	key string
}

// fields lists every setting of c, in the order of the example file.
func (c *Config) fields() []field {
	fs := []field{{"clouds.default", "SPUFF_PROVIDER", &c.Clouds.Default}}
	for _, name := range c.cloudNames() {
		cl := c.Cloud(name)
		p, e := "clouds."+name+".", "SPUFF_"+strings.ToUpper(name)+"_"
		fs = append(fs,
			field{p + "enabled", e + "ENABLED", &cl.Enabled},
			field{p + "region", e + "REGION", &cl.Region},
			field{p + "size", e + "SIZE", &cl.Size},
			field{p + "image", e + "IMAGE", &cl.Image},
			field{p + "allowed_sizes", e + "ALLOWED_SIZES", &cl.AllowedSizes},
			field{p + "allowed_regions", e + "ALLOWED_REGIONS", &cl.AllowedRegions},
		)
		if rc, ok := providers.Registered().Lookup(name); ok {
			if cl.Settings == nil {
				cl.Settings = map[string]string{}
			}
			for _, s := range rc.Settings {
				fs = append(fs, field{p + s.Key, s.Env, settingText{cl.Settings, s.Key}})
			}
		}
	}
	p := &c.Policy
	fs = append(fs,
		field{"policy.admins", "SPUFF_ADMINS", &p.Admins},
		field{"policy.approvers", "SPUFF_APPROVERS", &p.Approvers},
		field{"policy.approval_above", "SPUFF_APPROVAL_ABOVE", &p.ApprovalAbove},
		field{"policy.approval_expiry", "SPUFF_APPROVAL_EXPIRY", &p.ApprovalExpiry},
		field{"policy.allowed_channels", "SPUFF_ALLOWED_CHANNELS", &p.AllowedChannels},
		field{"policy.channels", "SPUFF_CHANNELS", &p.Channels},
		field{"policy.max_instances_per_user", "SPUFF_MAX_INSTANCES", &p.MaxInstancesPerUser},
		field{"policy.monthly_budget_per_user", "SPUFF_MONTHLY_BUDGET", &p.MonthlyBudgetPerUser},
		field{"policy.over_budget", "SPUFF_OVER_BUDGET", &p.OverBudget},
		field{"policy.default_lease", "SPUFF_DEFAULT_LEASE", &p.DefaultLease},
		field{"policy.max_lease", "SPUFF_MAX_LEASE", &p.MaxLease},
		field{"policy.warn_before", "SPUFF_WARN_BEFORE", &p.WarnBefore},
		field{"policy.reconcile_every", "SPUFF_RECONCILE_EVERY", &p.ReconcileEvery},
		field{"policy.orphan_grace", "SPUFF_ORPHAN_GRACE", &p.OrphanGrace},
		field{"policy.create_timeout", "SPUFF_CREATE_TIMEOUT", timeout{&p.CreateTimeout}},
		field{"policy.boot_timeout", "SPUFF_BOOT_TIMEOUT", timeout{&p.BootTimeout}},
		field{"notify_channel", "SPUFF_NOTIFY_CHANNEL", &c.NotifyChannel},
		field{"database", "SPUFF_DB", &c.Database},
		field{"store.journal_retention", "SPUFF_JOURNAL_RETENTION", &c.Store.JournalRetention},
		field{"store.audit_retention", "SPUFF_AUDIT_RETENTION", &c.Store.AuditRetention},
		field{"listen", "SPUFF_LISTEN", &c.Listen},
		field{"log.level", "SPUFF_LOG_LEVEL", &c.Log.Level},
		field{"log.format", "SPUFF_LOG_FORMAT", &c.Log.Format},
		field{"cloud_init", "SPUFF_CLOUD_INIT", cloudInitText{&c.CloudInit}},
		field{"images.allowed", "SPUFF_ALLOWED_IMAGES", &c.Images.Allowed},
		field{"ssh.port", "SPUFF_SSH_PORT", &c.SSH.Port},
		field{"ssh.wait", "SPUFF_SSH_WAIT", &c.SSH.Wait},
	)
	return append(fs, c.idleFields()...) // idle.go
}

// schema is the shape of the file: the settings by path, and for every
// section (a mapping of settings) the keys it may hold, in order.
type schema struct {
	fields   map[string]field
	sections map[string][]string // "" is the top level
}

func newSchema(fs []field) *schema {
	s := &schema{fields: make(map[string]field, len(fs)), sections: map[string][]string{}}
	for _, f := range fs {
		s.fields[f.path] = f
		path := f.path
		for path != "" {
			parent, key := splitPath(path)
			if _, seen := s.sections[parent]; seen && slices.Contains(s.sections[parent], key) {
				break
			}
			s.sections[parent] = append(s.sections[parent], key)
			path = parent
		}
	}
	return s
}

// splitPath splits "policy.max_lease" into "policy" and "max_lease".
func splitPath(path string) (parent, key string) {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[:i], path[i+1:]
	}
	return "", path
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// placesOf returns the full paths, other than at parent, where key is a
// setting or a section.
func (s *schema) placesOf(key, parent string) []string {
	var out []string
	for sec, keys := range s.sections {
		if sec != parent && slices.Contains(keys, key) {
			out = append(out, join(sec, key))
		}
	}
	slices.Sort(out)
	return out
}
