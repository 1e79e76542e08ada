package bot

import (
	"github.com/spuffbot/spuffbot/commands"
)

// The events of this file concern an instance rather than a command: its
// lease, and what the reconciler found at the cloud.

// ownerOf returns the instance's owner, else the operation's.
func ownerOf(ev commands.Event) string {
	if ev.Instance != nil && ev.Instance.Owner != "" {
		return ev.Instance.Owner
	}
	return ev.Op.Owner
}

// renderInstanceRoot is the instance's root message after a lease or
// reconciler event, if the event changes it.
func renderInstanceRoot(ev commands.Event) (message, bool) {
	in := ev.Instance
	if in == nil {
		return message{}, false
	}
	name, owner := code(in.Name), user(ownerOf(ev))
	sp := specs(in, ev.ProviderLabel, ev.Estimated)
	switch ev.Kind {
	case commands.EventExtended:
		detail := joinDot("`ssh dev@"+esc(in.IP)+"`", "lease until "+clock(in.LeaseExpiry))
		return rootMessage(mdf(":large_green_circle: %s's %s is ready at %s · %s", owner, name, code(in.IP), sp), detail), true
	case commands.EventExpired:
		return rootMessage(mdf(":black_circle: %s's %s was destroyed when its lease ended · %s", owner, name, sp), ""), true
	case commands.EventDestroyedOutside:
		return rootMessage(mdf(":ghost: %s's %s was destroyed outside spuffbot · %s", owner, name, sp), ""), true
	}
	return message{}, false
}

// renderInstanceProgress is the thread reply for a lease or reconciler
// event, if it has one.
func renderInstanceProgress(ev commands.Event) (message, bool) {
	in := ev.Instance
	if in == nil {
		return message{}, false
	}
	name := esc(in.Name)
	switch ev.Kind {
	case commands.EventLeaseWarning:
		return textMessage(mdf(":alarm_clock: %s %s I sent you buttons by DM to keep it longer or destroy it; "+
			"`/spuff extend %s 2h` and `/spuff down %s` work too.",
			user(in.Owner), ev.Detail, name, name)), true
	case commands.EventExtended:
		return textMessage(mdf(":alarm_clock: %s extended the lease: %s now runs until %s.",
			user(actorOr(ev, in.Owner)), code(in.Name), clock(in.LeaseExpiry))), true
	case commands.EventExpired:
		return textMessage(":black_circle: " + orMD(esc(ev.Detail), code(in.Name)+" was destroyed: its lease ended.") + " It costs nothing from now on."), true
	case commands.EventDestroyedOutside:
		return textMessage(":ghost: " + orMD(esc(ev.Detail), code(in.Name)+" was destroyed outside spuffbot.") + " It costs nothing from now on."), true
	}
	return message{}, false
}

// renderInstanceTeamLine is the team channel's line for a lease or
// reconciler event, if it has one. Orphans have none: their card goes to
// the team channel (orphan.go).
func renderInstanceTeamLine(ev commands.Event) (message, bool) {
	if ev.Orphan != nil {
		return message{}, false
	}
	in := ev.Instance
	if in == nil {
		return message{}, false
	}
	sp := specs(in, ev.ProviderLabel, ev.Estimated)
	switch ev.Kind {
	case commands.EventExpired:
		return textMessage(mdf(":black_circle: %s's %s was destroyed when its lease ended · %s", user(in.Owner), code(in.Name), sp)), true
	case commands.EventDestroyedOutside:
		return textMessage(mdf(":ghost: %s's %s was destroyed outside spuffbot · %s", user(in.Owner), code(in.Name), sp)), true
	}
	return message{}, false
}

// renderOrphanLine tells the admins about a VM with spuff's labels that
// spuffbot does not track, and what became of it, in one line: for an
// orphan whose card they never got.
func renderOrphanLine(ev commands.Event, o *commands.Orphan) message {
	cloud := ev.ProviderLabel
	what := mdf("%s (id %s) on %s", code(o.Instance.Name), code(o.Instance.ID), cloud)
	switch ev.Kind {
	case commands.EventOrphanAdopted:
		var owner md
		if ev.Instance != nil {
			owner = "; it now belongs to " + user(ev.Instance.Owner)
		}
		return textMessage(mdf(":inbox_tray: %s adopted the untracked VM %s%s.", user(ev.Actor), what, owner))
	case commands.EventOrphanDestroyed:
		return textMessage(mdf(":wastebasket: %s destroyed the untracked VM %s.", user(ev.Actor), what))
	}
	var age, price md
	if o.Age > 0 {
		age = esc(human(o.Age)) + " old"
	}
	if o.PriceHourly > 0 {
		price = hourly(o.PriceHourly, ev.Estimated)
	}
	return textMessage(":warning: " + joinDot("Found a VM with spuff's labels that spuffbot does not track: "+what,
		esc(o.Instance.Size), esc(o.Instance.Region), price, age) + ". An admin should adopt or destroy it.")
}

// orMD returns s, or fallback when s is empty.
func orMD(s, fallback md) md {
	if s == "" {
		return fallback
	}
	return s
}

func orText(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
