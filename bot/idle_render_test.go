package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// sampleIdle is the idle warning of alice-7f3a, with 30 minutes to go.
func sampleIdle() idleView {
	in := instance("alice-7f3a", "U0ALICE", store.InstanceReady)
	in.LeaseExpiry = now.Add(5 * time.Hour)
	in.Idle = store.Idle{WarnedAt: now, Deadline: now.Add(30 * time.Minute),
		Evidence: store.IdleFigures{CPUPercent: 0.3, NetBps: 400, WindowSec: 3600}}
	return idleViewOf(in, "Hetzner Cloud", false)
}

func TestRenderIdleCard(t *testing.T) {
	at := now.Add(5 * time.Minute)
	tests := []struct {
		name    string
		outcome idleOutcome
		buttons int
	}{
		{"open", idleOutcome{}, 4},
		{"kept", idleOutcome{Kind: idleKept, By: "U0ALICE", At: at, Until: now.Add(2 * time.Hour)}, 0},
		{"in_use_again", idleOutcome{Kind: idleCancelled, At: at, Detail: "CPU 40.0% avg"}, 0},
		{"destroy_requested", idleOutcome{Kind: idleDestroyRequested, By: "U0ADMIN", At: at}, 0},
		{"destroyed", idleOutcome{Kind: idleDestroyed, At: now.Add(30 * time.Minute), Saved: 0.12}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := sampleIdle()
			v.Outcome = tt.outcome
			m := renderIdleCard(v, now)
			golden(t, "idle_card_"+tt.name, m)
			n := 0
			for _, b := range m.Blocks {
				if a, ok := b.(*slack.ActionBlock); ok && a.BlockID == idleBlockID {
					for _, e := range a.Elements.ElementSet {
						if btn, ok := e.(*slack.ButtonBlockElement); ok {
							n++
							if _, known := idleActions[btn.ActionID]; !known || btn.Value != v.Name {
								t.Errorf("button %s = %q, want a known action with the instance's name", btn.ActionID, btn.Value)
							}
						}
					}
				}
			}
			if n != tt.buttons {
				t.Errorf("renderIdleCard(%s) has %d buttons, want %d", tt.name, n, tt.buttons)
			}
		})
	}
}

func TestRenderStatusActivity(t *testing.T) {
	measured := now.Add(-2 * time.Minute)
	tests := []struct {
		name string
		idle store.Idle
		want string // "" : no activity line
	}{
		{"not checked yet", store.Idle{}, ""},
		{"figures", store.Idle{Measured: measured, CPUPercent: 12.5, NetBps: 2500, WindowSec: 3600},
			"Activity: CPU 12.5% avg, network 2.5 kB/s over the last 1h, measured " + measured.UTC().Format("15:04 MST")},
		{"no metrics", store.Idle{Measured: measured, NoMetrics: true}, "Activity: no metrics (left to its lease)"},
	}
	for _, tt := range tests {
		in := instance("alice-7f3a", "U0ALICE", store.InstanceReady)
		in.Idle = tt.idle
		m := renderStatus("", commands.InstanceView{Instance: in, ProviderLabel: "Hetzner Cloud"}, now)
		raw, err := json.Marshal(m.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		if tt.want == "" && strings.Contains(text, "Activity:") || tt.want != "" && !strings.Contains(text, tt.want) {
			t.Errorf("%s: renderStatus() = %q, want activity %q", tt.name, text, tt.want)
		}
	}
}

func TestRenderHomeActivity(t *testing.T) {
	measured := now.Add(-time.Minute)
	tests := []struct {
		name string
		idle store.Idle
		want string // "" : no activity line
	}{
		{"not checked yet", store.Idle{}, ""},
		{"figures", store.Idle{Measured: measured, CPUPercent: 0.3, NetBps: 400, WindowSec: 3600}, "CPU 0.3% avg, network 0.4 kB/s over the last 1h"},
		{"no metrics", store.Idle{Measured: measured, NoMetrics: true}, "no metrics (left to its lease)"},
	}
	for _, tt := range tests {
		in := instance("alice-7f3a", "U0ALICE", store.InstanceReady)
		in.Idle = tt.idle
		v := renderHome(homeData{Mine: []commands.InstanceView{{Instance: in, ProviderLabel: "Hetzner Cloud"}}, Now: now})
		raw, err := json.Marshal(v.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		text := string(raw)
		if tt.want == "" && strings.Contains(text, ":bar_chart:") || tt.want != "" && !strings.Contains(text, tt.want) {
			t.Errorf("%s: renderHome() = %s, want activity %q", tt.name, text, tt.want)
		}
	}
}

func TestRenderIdleDuplicate(t *testing.T) {
	kept := commands.Reply{Duplicate: true, Text: "That was already answered.",
		Answered: &commands.Answered{Idle: commands.IdleKeepLease, By: "U0ADMIN", Instance: "alice-7f3a"}}
	m := renderIdleDuplicate("alice-7f3a", kept)
	golden(t, "idle_duplicate_kept", m)
	if !strings.Contains(string(m.Text), "<@U0ADMIN> kept `alice-7f3a`") {
		t.Errorf("renderIdleDuplicate(kept) = %q, want who kept it", m.Text)
	}
	// A card answered by a destroy says so, as a lease warning's would.
	destroyed := commands.Reply{Duplicate: true, Answered: &commands.Answered{Lease: commands.LeaseDestroy, By: "U0ALICE"},
		Op: &store.Operation{ID: "op1", Kind: store.OpDown, State: store.OpDone, Owner: "U0ALICE", Instance: "alice-7f3a"}}
	if got, want := renderIdleDuplicate("alice-7f3a", destroyed), renderLeaseDuplicate("alice-7f3a", destroyed); got.Text != want.Text {
		t.Errorf("renderIdleDuplicate(destroyed) = %q, want the lease warning's %q", got.Text, want.Text)
	}
}
