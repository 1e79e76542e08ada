package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// upEvent returns an event of an up operation of alice-7f3a.
func upEvent(kind commands.EventKind, state store.OpState, status store.InstanceStatus) commands.Event {
	in := instance("alice-7f3a", "U0ALICE", status)
	if status != store.InstanceReady {
		in.IP = ""
	}
	op := store.Operation{ID: "op7f3a", Kind: store.OpUp, State: state, Owner: "U0ALICE", Channel: "C0DEV",
		ThreadTS: "1700000000.000100", Provider: "digitalocean", Instance: "alice-7f3a", CloudID: "4242"}
	return commands.Event{Kind: kind, Op: op, Instance: &in, ProviderLabel: "DigitalOcean"}
}

func approval(state store.ApprovalState, by string) *store.Approval {
	a := &store.Approval{OpID: "op7f3a", State: state, Requester: "U0ALICE", Expires: now.Add(4 * time.Hour), Created: now}
	if by != "" {
		a.DecidedBy, a.DecidedAt = by, now
	}
	return a
}

func sampleEvents() map[string]commands.Event {
	evs := map[string]commands.Event{
		"up_accepted": upEvent(commands.EventAccepted, store.OpAccepted, store.InstanceCreating),
		"up_creating": upEvent(commands.EventCreating, store.OpRunning, store.InstanceCreating),
		"up_created":  upEvent(commands.EventCreated, store.OpRunning, store.InstanceCreating),
		"up_ready":    upEvent(commands.EventReady, store.OpDone, store.InstanceReady),
		"up_failed":   upEvent(commands.EventFailed, store.OpFailed, store.InstanceFailed),
	}
	e := upEvent(commands.EventAwaitingApproval, store.OpAwaitingApproval, store.InstanceCreating)
	e.Approval = approval(store.ApprovalPending, "")
	evs["up_awaiting"] = e
	e = upEvent(commands.EventApproved, store.OpAwaitingApproval, store.InstanceCreating)
	e.Approval, e.Actor = approval(store.ApprovalApproved, "U0BOB"), "U0BOB"
	evs["up_approved"] = e
	e = upEvent(commands.EventApprovalRefused, store.OpAwaitingApproval, store.InstanceCreating)
	e.Approval, e.Actor = approval(store.ApprovalPending, ""), "U0BOB"
	e.DetailText = commands.Textf("cannot approve now: it would now bring %s's spending this month to $120.00, over their budget of $100.00",
		commands.UserID("U0ALICE"))
	e.Detail = e.DetailText.Plain()
	evs["up_approval_refused"] = e
	e = upEvent(commands.EventDenied, store.OpFailed, store.InstanceFailed)
	e.Approval, e.Actor, e.Detail = approval(store.ApprovalDenied, "U0BOB"), "U0BOB", "denied by <@U0BOB>"
	evs["up_denied"] = e
	e = upEvent(commands.EventApprovalExpired, store.OpFailed, store.InstanceFailed)
	e.Approval, e.Detail = approval(store.ApprovalExpired, ""), "nobody decided within 4h"
	evs["up_expired"] = e
	f := evs["up_failed"]
	f.Detail, f.Ref = "DigitalOcean says the account's limit is reached: droplet limit exceeded.", ""
	evs["up_failed"] = f
	c := evs["up_created"]
	c.Address = "203.0.113.7" // Hetzner answers the create with it
	evs["up_created_address"] = c
	r := evs["up_ready"]
	r.Estimated = true
	evs["up_ready"] = r

	down := func(kind commands.EventKind, state store.OpState, status store.InstanceStatus) commands.Event {
		e := upEvent(kind, state, status)
		e.Op.ID, e.Op.Kind, e.Op.Owner = "opdown", store.OpDown, "U0ADMIN"
		return e
	}
	evs["down_destroying"] = down(commands.EventDestroying, store.OpRunning, store.InstanceDestroying)
	e = down(commands.EventDestroyed, store.OpDone, store.InstanceDestroyed)
	e.Actor = "U0ADMIN"
	evs["down_destroyed"] = e
	e = down(commands.EventFailed, store.OpFailed, store.InstanceReady)
	e.Detail = "Something went wrong on our side (reference ab12cd34). An admin can find the details in the bot's log."
	e.Ref = "ab12cd34"
	evs["down_failed"] = e
	e = down(commands.EventSnapshotCreated, store.OpRunning, store.InstanceReady)
	e.Snapshot = &providers.Snapshot{ID: "snap-9", Name: "spuff-alice-7f3a-final", SizeGB: 2.41}
	evs["down_snapshot_created"] = e

	e = upEvent(commands.EventSnapshotCreated, store.OpDone, store.InstanceReady)
	e.Op.Kind, e.Op.SnapshotID = store.OpSnapshotCreate, "snap-9"
	e.Snapshot = &providers.Snapshot{ID: "snap-9", Name: "spuff-alice-7f3a-before-upgrade", SizeGB: 2.41}
	evs["snapshot_created"] = e
	e = upEvent(commands.EventSnapshotDeleted, store.OpDone, store.InstanceReady)
	e.Op.Kind, e.Op.SnapshotID, e.Op.Instance, e.Instance = store.OpSnapshotDelete, "snap-9", "", nil
	evs["snapshot_deleted"] = e

	e = upEvent(commands.EventLeaseWarning, store.OpDone, store.InstanceReady)
	e.Detail = "`alice-7f3a` will be destroyed at Mon 17:02 UTC, in 3h, when its lease ends."
	evs["lease_warning"] = e
	e = upEvent(commands.EventExtended, store.OpDone, store.InstanceReady)
	e.Actor = "U0ALICE" // Op is the instance's up, as for a lease warning
	evs["lease_extended"] = e
	e = down(commands.EventExpired, store.OpDone, store.InstanceDestroyed)
	e.Op.Owner, e.Actor = commands.SystemActor, commands.SystemActor
	e.Detail = "`alice-7f3a` was destroyed: its lease ended at Mon 14:00 UTC."
	evs["lease_expired"] = e
	e = upEvent(commands.EventDestroyedOutside, store.OpDone, store.InstanceDestroyed)
	e.Detail = "`alice-7f3a` was destroyed outside spuffbot: DigitalOcean no longer has it."
	evs["destroyed_outside"] = e
	orphan := &commands.Orphan{Provider: "digitalocean", Age: 26 * time.Hour, PriceHourly: 0.036,
		Instance: providers.Instance{ID: "4343", Name: "bob-old", Size: "s-2vcpu-4gb", Region: "fra1"}}
	evs["orphan"] = commands.Event{Kind: commands.EventOrphan, Op: store.Operation{Provider: "digitalocean"},
		ProviderLabel: "DigitalOcean", Orphan: orphan}
	adopted := instance("bob-old", "U0BOB", store.InstanceReady)
	evs["orphan_adopted"] = commands.Event{Kind: commands.EventOrphanAdopted, Op: store.Operation{Provider: "digitalocean"},
		ProviderLabel: "DigitalOcean", Orphan: orphan, Instance: &adopted, Actor: "U0ADMIN"}
	evs["orphan_destroyed"] = commands.Event{Kind: commands.EventOrphanDestroyed, Op: store.Operation{Provider: "digitalocean"},
		ProviderLabel: "DigitalOcean", Orphan: orphan, Actor: commands.SystemActor}
	return evs
}

func TestRenderOperation(t *testing.T) {
	for name, ev := range sampleEvents() {
		t.Run(name, func(t *testing.T) {
			if m, ok := renderRoot(ev); ok {
				golden(t, "root_"+name, m)
			}
			if m, ok := renderProgress(ev, "<@U0BOB>, <@U0CAROL> by DM", now); ok {
				golden(t, "progress_"+name, m)
			}
			if m, ok := renderTeamLine(ev); ok {
				golden(t, "team_"+name, m)
			}
		})
	}
	t.Run("requested", func(t *testing.T) {
		golden(t, "root_requested", renderRequested(sampleEvents()["up_accepted"].Op))
	})
	t.Run("no_channel", func(t *testing.T) {
		golden(t, "no_channel", renderNoChannel(renderRequested(sampleEvents()["up_accepted"].Op)))
	})
}

// TestReadyHandsOver checks the facts a person needs from the ready reply.
func TestReadyHandsOver(t *testing.T) {
	m, ok := renderProgress(sampleEvents()["up_ready"], "", now)
	if !ok {
		t.Fatal("renderProgress(ready) has no reply")
	}
	raw, _ := json.Marshal(m)
	for _, want := range []string{"203.0.113.7", "ssh dev@203.0.113.7", "Mon 17:02 UTC"} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("ready reply %s lacks %q", raw, want)
		}
	}
}

func TestRenderCard(t *testing.T) {
	base := sampleEvents()["up_awaiting"]
	tests := []struct {
		name string
		a    *store.Approval
	}{
		{"pending", approval(store.ApprovalPending, "")},
		{"approved", approval(store.ApprovalApproved, "U0BOB")},
		{"denied", approval(store.ApprovalDenied, "U0CAROL")},
		{"expired", approval(store.ApprovalExpired, "")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := base
			ev.Approval = tt.a
			m := renderCard(cardFrom(ev))
			golden(t, "card_"+tt.name, m)
			hasButtons := false
			for _, b := range m.Blocks {
				if a, ok := b.(*slack.ActionBlock); ok && a.BlockID == approvalBlockID {
					hasButtons = true
				}
			}
			if want := tt.a.State == store.ApprovalPending; hasButtons != want {
				t.Errorf("card %s has buttons: %v, want %v", tt.name, hasButtons, want)
			}
		})
	}
	t.Run("refused", func(t *testing.T) {
		ev := sampleEvents()["up_approval_refused"]
		c := cardFrom(base)
		c.Refusal = ev.DetailText
		golden(t, "card_refused", renderCard(c))
	})
	t.Run("already_decided", func(t *testing.T) {
		golden(t, "card_already_decided", renderAlreadyDecided(*approval(store.ApprovalApproved, "U0BOB")))
	})
	t.Run("from_blocks", func(t *testing.T) {
		shown := renderCard(cardFrom(base)).Blocks
		golden(t, "card_from_blocks", decidedFromBlocks(shown, *approval(store.ApprovalDenied, "U0CAROL")))
	})
}

func TestMonthlyIsHourlyTimes730(t *testing.T) {
	tests := []struct {
		hourly float64
		want   md
	}{
		{0.036, "$26.28/month"},
		{0.0074, "$5.40/month"},
		{1, "$730.00/month"},
	}
	for _, tt := range tests {
		if got := monthly(tt.hourly); got != tt.want {
			t.Errorf("monthly(%v) = %q, want %q", tt.hourly, got, tt.want)
		}
	}
}
