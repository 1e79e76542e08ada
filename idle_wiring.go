package main

import (
	"github.com/spuffbot/spuffbot/bot"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/config"
	"github.com/spuffbot/spuffbot/metrics"
)

// idlePolicy turns idle.* into the Service's idle policy.
func idlePolicy(cfg *config.Config) commands.IdlePolicy {
	i := cfg.Idle
	return commands.IdlePolicy{After: i.After, CPUBelow: i.CPUBelow, NetBelow: i.NetBelow,
		CheckEvery: i.CheckEvery, Grace: i.Grace}
}

// idleChannels turns the channels' idle_after into the Service's
// per-channel overrides: 0 turns the checks off there.
func idleChannels(cfg *config.Config) map[string]commands.IdlePolicy {
	out := make(map[string]commands.IdlePolicy)
	for id, cp := range cfg.Policy.Channels {
		switch {
		case cp.IdleAfter == nil:
		case *cp.IdleAfter == 0:
			out[id] = commands.IdlePolicy{Off: true}
		default:
			out[id] = commands.IdlePolicy{After: *cp.IdleAfter}
		}
	}
	return out
}

// The bot counts idle warnings and destroys when its metrics can.
var _ bot.IdleMetrics = (*metrics.Metrics)(nil)
