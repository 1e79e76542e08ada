package config

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidateIdle(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		want   []Problem // nil: valid
	}{
		{"defaults", func(c *Config) {}, nil},
		{"off", func(c *Config) { c.Idle.After = 0 }, nil},
		{"negative after", func(c *Config) { c.Idle.After = -time.Hour },
			[]Problem{{Path: "idle.after", Msg: "-1h must not be negative (0: no idle checks; example: 60m)"}}},
		{"after too short", func(c *Config) { c.Idle.After = 5 * time.Minute },
			[]Problem{{Path: "idle.after", Msg: "5m is too short to judge from a cloud's metrics (at least 10m; example: 60m)"}}},
		{"thresholds", func(c *Config) { c.Idle.CPUBelow, c.Idle.NetBelow = 150, 0 }, []Problem{
			{Path: "idle.cpu_below", Msg: "150 must be a percentage above 0 and at most 100 (example: 5)"},
			{Path: "idle.net_below", Msg: "0 must be above 0 bytes per second (example: 10000)"},
		}},
		{"intervals", func(c *Config) { c.Idle.CheckEvery, c.Idle.Grace = 0, -time.Minute }, []Problem{
			{Path: "idle.check_every", Msg: "must be longer than 0 (example: 5m)"},
			{Path: "idle.grace", Msg: "-1m must be longer than 0 (example: 30m)"},
		}},
		{"channel override", func(c *Config) {
			c.Policy.Channels = map[string]ChannelPolicy{"C0123ABCD": {IdleAfter: ptr(-time.Minute)}}
		}, []Problem{{Path: "policy.channels.C0123ABCD.idle_after", Msg: "-1m must not be negative (0: no idle checks in this channel; example: 2h)"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(c)
			var got []Problem
			var verr *ValidationError
			if err := c.Validate(); errors.As(err, &verr) {
				got = verr.Problems
			} else if err != nil {
				t.Fatalf("Validate() = %v, want a *ValidationError or nil", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate() problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadIdleFromEnv(t *testing.T) {
	env := map[string]string{
		"SPUFF_IDLE_AFTER": "5400", "SPUFF_IDLE_CPU_BELOW": "2.5", "SPUFF_IDLE_NET_BELOW": "20000",
		"SPUFF_IDLE_CHECK_EVERY": "120", "SPUFF_IDLE_GRACE": "15m",
		"SPUFF_CHANNELS": "{C0123ABCD: {idle_after: 0}}",
	}
	c, err := Load("", func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("Load() = %v", err)
	}
	want := Idle{After: 90 * time.Minute, CPUBelow: 2.5, NetBelow: 20_000, CheckEvery: 2 * time.Minute, Grace: 15 * time.Minute}
	if diff := cmp.Diff(want, c.Idle); diff != "" {
		t.Errorf("Load().Idle (-want +got):\n%s", diff)
	}
	if a := c.Policy.Channels["C0123ABCD"].IdleAfter; a == nil || *a != 0 {
		t.Errorf("Load() channel idle_after = %v, want 0", a)
	}
}
