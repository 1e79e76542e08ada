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

// sampleLease is the lease warning of alice-7f3a, 30 minutes before its end.
func sampleLease() leaseView {
	in := instance("alice-7f3a", "U0ALICE", store.InstanceReady)
	in.LeaseExpiry = now.Add(30 * time.Minute)
	return leaseViewOf(in, "DigitalOcean", false, 2*time.Hour)
}

// leaseButtonsOf returns the lease buttons of m by action id.
func leaseButtonsOf(m message) map[string]*slack.ButtonBlockElement {
	out := map[string]*slack.ButtonBlockElement{}
	for _, b := range m.Blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok || a.BlockID != leaseBlockID {
			continue
		}
		for _, e := range a.Elements.ElementSet {
			if btn, ok := e.(*slack.ButtonBlockElement); ok {
				out[btn.ActionID] = btn
			}
		}
	}
	return out
}

func TestRenderLeaseCard(t *testing.T) {
	at := now.Add(5 * time.Minute)
	tests := []struct {
		name    string
		outcome leaseOutcome
	}{
		{"open", leaseOutcome{}},
		{"extended", leaseOutcome{Kind: leaseExtended, By: "U0ALICE", At: at, Until: now.Add(150 * time.Minute)}},
		{"destroy_requested", leaseOutcome{Kind: leaseDestroyRequested, By: "U0ADMIN", At: at}},
		{"snapshot_requested", leaseOutcome{Kind: leaseSnapshotRequested, By: "U0ALICE", At: at}},
		{"destroyed", leaseOutcome{Kind: leaseDestroyed, By: "U0ALICE", At: at}},
		{"expired", leaseOutcome{Kind: leaseExpired, At: now.Add(30 * time.Minute)}},
		{"destroyed_outside", leaseOutcome{Kind: leaseOutside, At: at}},
		{"destroy_failed", leaseOutcome{Kind: leaseDestroyFailed, At: at,
			Detail: "DigitalOcean is rate-limiting spuffbot; try again in a minute."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := sampleLease()
			v.Outcome = tt.outcome
			m := renderLeaseCard(v, now)
			golden(t, "lease_card_"+tt.name, m)
			buttons := leaseButtonsOf(m)
			if tt.outcome.Kind != leaseOpen {
				if len(buttons) != 0 {
					t.Errorf("card %s still has %d buttons", tt.name, len(buttons))
				}
				return
			}
			for id := range leaseActions {
				btn := buttons[id]
				if btn == nil {
					t.Errorf("open card lacks button %s", id)
					continue
				}
				if btn.Value != v.Name {
					t.Errorf("button %s has value %q, want the instance name %q", id, btn.Value, v.Name)
				}
			}
			if got := buttons[actionLeaseExtend].Text.Text; got != "Extend 2h" {
				t.Errorf("Extend button reads %q, want %q", got, "Extend 2h")
			}
		})
	}
}

func TestLeaseCardShowsCostAndEnd(t *testing.T) {
	raw, _ := json.Marshal(renderLeaseCard(sampleLease(), now))
	// $0.036/h for 5 hours is $0.18; the lease ends 30 minutes from now.
	for _, want := range []string{"alice-7f3a", "DigitalOcean", "s-2vcpu-4gb", "$0.036/h", "Mon 14:32 UTC", "in 30m", "$0.18"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("lease card %s lacks %q", raw, want)
		}
	}
}

func TestLeaseCardExtendLabelFollowsConfig(t *testing.T) {
	tests := []struct {
		by   time.Duration
		want string
	}{
		{0, "Extend 2h"},
		{90 * time.Minute, "Extend 1h 30m"},
		{24 * time.Hour, "Extend 1d"},
	}
	for _, tt := range tests {
		v := sampleLease()
		v.ExtendBy = tt.by
		btn := leaseButtonsOf(renderLeaseCard(v, now))[actionLeaseExtend]
		if btn == nil || btn.Text.Text != tt.want {
			t.Errorf("renderLeaseCard(ExtendBy %v): Extend button = %v, want %q", tt.by, btn, tt.want)
		}
	}
}

func TestRenderLeaseFromBlocks(t *testing.T) {
	shown := renderLeaseCard(sampleLease(), now).Blocks
	m := leaseFromBlocks(shown, "alice-7f3a", leaseOutcome{Kind: leaseDestroyRequested, By: "U0ALICE", At: now})
	golden(t, "lease_card_from_blocks", m)
	if n := len(leaseButtonsOf(m)); n != 0 {
		t.Errorf("leaseFromBlocks kept %d buttons", n)
	}
}

func TestRenderLeaseDuplicate(t *testing.T) {
	op := func(kind store.OpKind, state store.OpState, owner string) *store.Operation {
		return &store.Operation{ID: "op1", Kind: kind, State: state, Owner: owner, Instance: "alice-7f3a"}
	}
	failed := op(store.OpDown, store.OpFailed, "U0ALICE")
	failed.Error = "Demo cloud failed: boom."
	tests := []struct {
		name string
		r    commands.Reply
	}{
		{"extended", commands.Reply{Duplicate: true, Answered: &commands.Answered{Lease: commands.LeaseExtend, By: "U0ALICE", Instance: "alice-7f3a"}}},
		{"destroying", commands.Reply{Duplicate: true, Op: op(store.OpDown, store.OpRunning, commands.SystemActor)}},
		{"destroyed", commands.Reply{Duplicate: true, Op: op(store.OpDown, store.OpDone, "U0ADMIN")}},
		{"destroy_failed", commands.Reply{Duplicate: true, Op: failed}},
		{"no_op", commands.Reply{Duplicate: true, Text: "That was already done."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := renderLeaseDuplicate("alice-7f3a", tt.r)
			golden(t, "lease_duplicate_"+tt.name, m)
			if !strings.Contains(string(m.Text), "changed nothing") {
				t.Errorf("renderLeaseDuplicate(%s) = %q, want it to say the click changed nothing", tt.name, m.Text)
			}
		})
	}
}

func TestRenderOwnerNotice(t *testing.T) {
	evs := sampleEvents()
	for _, name := range []string{"lease_expired", "destroyed_outside"} {
		t.Run(name, func(t *testing.T) {
			m, ok := renderOwnerNotice(evs[name], now)
			if !ok {
				t.Fatalf("renderOwnerNotice(%s) has no message", name)
			}
			golden(t, "owner_"+name, m)
		})
	}
	if _, ok := renderOwnerNotice(evs["up_ready"], now); ok {
		t.Errorf("renderOwnerNotice(up_ready) has a message, want none")
	}
}
