package bot

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// orphanEvent is an orphan event about droplet 4343.
func orphanEvent(kind commands.EventKind, actor string) commands.Event {
	o := &commands.Orphan{Provider: "digitalocean", Age: 26 * time.Hour, PriceHourly: 0.036,
		Instance: providers.Instance{ID: "4343", Name: "bob-old", Size: "s-2vcpu-4gb", Region: "fra1", IP: "203.0.113.9",
			Labels: map[string]string{providers.LabelManagedBy: "spuff", providers.LabelOwner: "U0BOB"}}}
	ev := commands.Event{Kind: kind, Op: store.Operation{Provider: "digitalocean"}, ProviderLabel: "DigitalOcean",
		Orphan: o, Actor: commands.UserID(actor)}
	if kind == commands.EventOrphanAdopted {
		in := instance("bob-old", "U0BOB", store.InstanceReady)
		in.LeaseExpiry = now.Add(8 * time.Hour)
		ev.Instance = &in
	}
	return ev
}

// orphanControls returns the interactive elements of m's orphan block
// by action id, and the block's id.
func orphanControls(m message) (string, map[string]slack.BlockElement) {
	out := map[string]slack.BlockElement{}
	for _, b := range m.Blocks {
		a, ok := b.(*slack.ActionBlock)
		if !ok || !strings.HasPrefix(a.BlockID, orphanBlockPrefix) {
			continue
		}
		for _, e := range a.Elements.ElementSet {
			switch el := e.(type) {
			case *slack.ButtonBlockElement:
				out[el.ActionID] = el
			case *slack.SelectBlockElement:
				out[el.ActionID] = el
			}
		}
		return a.BlockID, out
	}
	return "", out
}

func TestRenderOrphanCard(t *testing.T) {
	tests := []struct {
		name  string
		ev    commands.Event
		open  bool
		wants []string
	}{
		{"open", orphanEvent(commands.EventOrphan, ""), true,
			[]string{"4343", "bob-old", "1d 2h", "$0.036/h", "<@U0BOB>", "DigitalOcean", "Adopt as mine", "Destroy"}},
		{"adopted", orphanEvent(commands.EventOrphanAdopted, "U0ADMIN"), false,
			[]string{"Adopted by <@U0ADMIN> at 14:02 UTC", "owned by <@U0BOB>"}},
		{"destroyed", orphanEvent(commands.EventOrphanDestroyed, "U0ADMIN"), false,
			[]string{"Destroyed by <@U0ADMIN> at 14:02 UTC"}},
		{"auto_destroyed", orphanEvent(commands.EventOrphanDestroyed, commands.SystemActor), false,
			[]string{"Destroyed by spuffbot", "grace period"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := renderOrphanCard(orphanViewOf(tt.ev, now))
			golden(t, "orphan_card_"+tt.name, m)
			raw := rawJSON(m)
			for _, want := range tt.wants {
				if !strings.Contains(raw, want) {
					t.Errorf("orphan card %s lacks %q: %s", tt.name, want, raw)
				}
			}
			blockID, controls := orphanControls(m)
			if !tt.open {
				if len(controls) != 0 {
					t.Errorf("decided orphan card %s still has controls %v", tt.name, controls)
				}
				return
			}
			if p, id, ok := parseOrphanBlockID(blockID); !ok || p != "digitalocean" || id != "4343" {
				t.Errorf("parseOrphanBlockID(%q) = %q, %q, %v, want digitalocean, 4343, true", blockID, p, id, ok)
			}
			sel, ok := controls[actionOrphanAdoptFor].(*slack.SelectBlockElement)
			if !ok || sel.Type != slack.OptTypeUser {
				t.Errorf("open orphan card: %s is %#v, want a users_select", actionOrphanAdoptFor, controls[actionOrphanAdoptFor])
			}
			for _, id := range []string{actionOrphanAdoptMine, actionOrphanDestroy} {
				if _, ok := controls[id].(*slack.ButtonBlockElement); !ok {
					t.Errorf("open orphan card lacks button %s", id)
				}
			}
		})
	}
}

func TestOrphanLabelledOwnerIsNotTrusted(t *testing.T) {
	tests := []struct {
		label string
		want  md
	}{
		{"U0BOB", "<@U0BOB>"},
		{"", "–"},
		{"<!channel>", "`&lt;!channel&gt;`"},
		{"bob", "`bob`"},
	}
	for _, tt := range tests {
		if got := labelledOwner(map[string]string{providers.LabelOwner: tt.label}); got != tt.want {
			t.Errorf("labelledOwner(%q) = %q, want %q", tt.label, got, tt.want)
		}
	}
}

func TestParseOrphanBlockID(t *testing.T) {
	tests := []struct {
		id           string
		provider, ci string
		ok           bool
	}{
		{orphanBlockID("aws", "i-0abc"), "aws", "i-0abc", true},
		{orphanBlockID("demo", "demo-3"), "demo", "demo-3", true},
		{"spuff_orphan:hetzner", "", "", false},
		{"spuff_orphan::42", "", "", false},
		{leaseBlockID, "", "", false},
	}
	for _, tt := range tests {
		p, ci, ok := parseOrphanBlockID(tt.id)
		if ok != tt.ok || (ok && (p != tt.provider || ci != tt.ci)) {
			t.Errorf("parseOrphanBlockID(%q) = %q, %q, %v, want %q, %q, %v", tt.id, p, ci, ok, tt.provider, tt.ci, tt.ok)
		}
	}
}

func TestRenderOrphanNotices(t *testing.T) {
	golden(t, "orphan_adopted_notice", renderAdoptedNotice(orphanEvent(commands.EventOrphanAdopted, "U0ADMIN")))
	ev := orphanEvent(commands.EventOrphanDestroyed, commands.SystemActor)
	golden(t, "orphan_line_auto_destroyed", renderOrphanLine(ev, ev.Orphan))
	if _, ok := renderTeamLine(orphanEvent(commands.EventOrphan, "")); ok {
		t.Errorf("renderTeamLine(orphan) has a line, want none: the card goes to the team channel")
	}
}

// rawJSON is m as JSON, with <@U1> kept readable.
func rawJSON(m message) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(m)
	return buf.String()
}
