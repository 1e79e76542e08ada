package commands

import (
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// IdlePolicy says when an instance counts as forgotten: idle for After,
// with mean CPU use below CPUBelow and public traffic below NetBelow, as
// its cloud measures them (no agent in the VM).
type IdlePolicy struct {
	// After is how long an instance must be idle before its owner is
	// warned. Zero: no idle checks.
	After time.Duration
	// CPUBelow is the mean CPU use, in percent of the whole machine,
	// under which an instance is idle. Zero: 5.
	CPUBelow float64
	// NetBelow is the mean public traffic in and out, in bytes per
	// second, under which an instance is idle. Zero: 10000.
	NetBelow float64
	// CheckEvery is how often the leader checks every live instance.
	// Zero: 5m.
	CheckEvery time.Duration
	// Grace is how long the owner has to answer a warning before the
	// instance is destroyed. Zero: 30m.
	Grace time.Duration
	// Off turns the checks off where a channel's policy would otherwise
	// inherit them.
	Off bool
}

// Idle defaults.
const (
	defaultIdleCPUBelow   = 5
	defaultIdleNetBelow   = 10_000
	defaultIdleCheckEvery = 5 * time.Minute
	defaultIdleGrace      = 30 * time.Minute
	// idleKeepFor is what the Keep 2h button suspends the checks for.
	idleKeepFor = 2 * time.Hour
	// idleMinWindow is the shortest window whose figures are judged.
	idleMinWindow = 10 * time.Minute
	// idleTickSlack is how early a pass may destroy before the deadline:
	// the pass that falls on the deadline reads the clock a little before
	// or after it, and should not leave the VM another interval.
	idleTickSlack = 5 * time.Second
)

// on reports whether the policy checks anything.
func (p IdlePolicy) on() bool { return !p.Off && p.After > 0 }

// over returns p with the fields o sets replacing p's.
func (p IdlePolicy) over(o IdlePolicy) IdlePolicy {
	if o.Off {
		p.Off = true
	}
	if o.After > 0 {
		p.After = o.After
	}
	if o.CPUBelow > 0 {
		p.CPUBelow = o.CPUBelow
	}
	if o.NetBelow > 0 {
		p.NetBelow = o.NetBelow
	}
	if o.CheckEvery > 0 {
		p.CheckEvery = o.CheckEvery
	}
	if o.Grace > 0 {
		p.Grace = o.Grace
	}
	return p
}

func (p *IdlePolicy) setDefaults() {
	if p.CPUBelow <= 0 {
		p.CPUBelow = defaultIdleCPUBelow
	}
	if p.NetBelow <= 0 {
		p.NetBelow = defaultIdleNetBelow
	}
	if p.CheckEvery <= 0 {
		p.CheckEvery = defaultIdleCheckEvery
	}
	if p.Grace <= 0 {
		p.Grace = defaultIdleGrace
	}
}

// idlePolicy returns the idle policy of instance in: the channel's
// (Config.IdleChannels) over the global one.
func (s *Service) idlePolicy(in *store.Instance) IdlePolicy {
	p := s.cfg.Idle
	if o, ok := s.cfg.IdleChannels[in.Channel]; ok {
		p = p.over(o)
	}
	p.setDefaults()
	return p
}

// idleEvery returns how often the checks run: the shortest CheckEvery of
// the policies that check anything, and whether any does.
func (s *Service) idleEvery() (time.Duration, bool) {
	var every time.Duration
	consider := func(p IdlePolicy) {
		if !p.on() {
			return
		}
		p.setDefaults()
		if every == 0 || p.CheckEvery < every {
			every = p.CheckEvery
		}
	}
	consider(s.cfg.Idle)
	for _, o := range s.cfg.IdleChannels {
		consider(s.cfg.Idle.over(o))
	}
	return every, every > 0
}
