package config

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// Idle is when a VM counts as forgotten: idle for After, by its cloud's
// own CPU and network metrics, with no agent in the VM. Its owner is then
// asked in Slack, and the VM is destroyed Grace later if nobody keeps it
// and it stays idle.
type Idle struct {
	// After is how long a VM must be idle before its owner is warned.
	// Default 60m; 0: no idle checks.
	After time.Duration
	// CPUBelow is the mean CPU use, in percent of the whole machine,
	// under which a VM is idle. Default 5.
	CPUBelow float64
	// NetBelow is the mean public traffic in and out, in bytes per
	// second, under which a VM is idle. Default 10000.
	NetBelow float64
	// CheckEvery is how often every VM's metrics are read. Default 5m.
	CheckEvery time.Duration
	// Grace is how long the owner has to answer before the VM is
	// destroyed. Default 30m.
	Grace time.Duration
}

// defaultIdle is Idle's documented defaults.
func defaultIdle() Idle {
	return Idle{After: time.Hour, CPUBelow: 5, NetBelow: 10_000, CheckEvery: 5 * time.Minute, Grace: 30 * time.Minute}
}

// idleFields lists the settings of idle.*.
func (c *Config) idleFields() []field {
	i := &c.Idle
	return []field{
		{"idle.after", "SPUFF_IDLE_AFTER", &i.After},
		{"idle.cpu_below", "SPUFF_IDLE_CPU_BELOW", &i.CPUBelow},
		{"idle.net_below", "SPUFF_IDLE_NET_BELOW", &i.NetBelow},
		{"idle.check_every", "SPUFF_IDLE_CHECK_EVERY", &i.CheckEvery},
		{"idle.grace", "SPUFF_IDLE_GRACE", &i.Grace},
	}
}

// idle checks idle.* and the channels' idle_after.
func (v *validator) idle() {
	i := &v.c.Idle
	if i.After < 0 {
		v.add("idle.after", "%s must not be negative (0: no idle checks; example: 60m)", fmtDuration(i.After))
	}
	if i.CPUBelow <= 0 || i.CPUBelow > 100 {
		v.add("idle.cpu_below", "%v must be a percentage above 0 and at most 100 (example: 5)", i.CPUBelow)
	}
	if i.NetBelow <= 0 {
		v.add("idle.net_below", "%v must be above 0 bytes per second (example: 10000)", i.NetBelow)
	}
	v.positive("idle.check_every", i.CheckEvery, "5m")
	v.positive("idle.grace", i.Grace, "30m")
	if i.After > 0 && i.After < 10*time.Minute {
		v.add("idle.after", "%s is too short to judge from a cloud's metrics (at least 10m; example: 60m)", fmtDuration(i.After))
	}
	for id, cp := range v.c.Policy.Channels {
		if cp.IdleAfter == nil {
			continue
		}
		path := "policy.channels." + id + ".idle_after"
		switch d := *cp.IdleAfter; {
		case d < 0:
			v.add(path, "%s must not be negative (0: no idle checks in this channel; example: 2h)", fmtDuration(d))
		case d > 0 && d < 10*time.Minute:
			v.add(path, "%s is too short to judge from a cloud's metrics (at least 10m)", fmtDuration(d))
		}
	}
}

// subDuration reads a duration inside policy.channels, marking field
// failed when it cannot.
func (r *reader) subDuration(path, field string, s pair, dst **time.Duration) {
	v := resolve(s.v)
	if isNull(v) {
		return
	}
	var d time.Duration
	msg := "must be a single value"
	if v.Kind == yaml.ScalarNode {
		msg = setText(&d, v.Value)
	}
	if msg != "" {
		r.fail(path, s.k.Line, "%s", msg)
		r.failed[field] = true
		return
	}
	*dst = &d
	r.origin[path] = origin{line: s.k.Line}
}
