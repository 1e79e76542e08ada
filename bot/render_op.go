package bot

import (
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// specs describes an instance in one line: size · region · cloud · $/h.
func specs(in *store.Instance, cloud string, estimated bool) md {
	if in == nil {
		return esc(cloud)
	}
	var price md
	if in.PriceHourly > 0 {
		price = hourly(in.PriceHourly, estimated)
	}
	return joinDot(esc(in.Size), esc(in.Region), esc(cloud), price)
}

// renderRequested is the root message of an up operation before the
// Service has reported anything about it.
func renderRequested(op store.Operation) message {
	return rootMessage(mdf(":hourglass_flowing_sand: %s requested %s · %s",
		user(op.Owner), code(op.Instance), commands.Label(op.Provider)), "")
}

// rootMessage is a root message: a line and an optional detail below it.
func rootMessage(line, detail md) message {
	blocks := []slack.Block{section(line)}
	if detail != "" {
		blocks = append(blocks, contextBlock(detail))
	}
	return message{Text: plain(line), Blocks: blocks}
}

// renderRoot is the root message of an operation's thread as of ev, if ev
// changes it. For an up or down operation it shows the instance's state.
func renderRoot(ev commands.Event) (message, bool) {
	switch ev.Kind {
	case commands.EventLeaseWarning, commands.EventOrphan, commands.EventOrphanAdopted, commands.EventOrphanDestroyed:
		return message{}, false
	case commands.EventExtended, commands.EventExpired, commands.EventDestroyedOutside:
		return renderInstanceRoot(ev)
	}
	if !opEvents[ev.Kind] {
		return message{}, false // a kind this bot does not know: leave the root as it is
	}
	return renderOpRoot(ev), true
}

// opEvents are the events of an operation's own progress.
var opEvents = map[commands.EventKind]bool{
	commands.EventAccepted: true, commands.EventAwaitingApproval: true, commands.EventApproved: true,
	commands.EventDenied: true, commands.EventApprovalExpired: true, commands.EventCreating: true,
	commands.EventCreated: true, commands.EventReady: true, commands.EventSnapshotting: true,
	commands.EventSnapshotCreated: true, commands.EventSnapshotDeleted: true, commands.EventDestroying: true,
	commands.EventDestroyed: true, commands.EventFailed: true,
}

func renderOpRoot(ev commands.Event) message {
	op, in := ev.Op, ev.Instance
	name := code(op.Instance)
	sp := specs(in, ev.ProviderLabel, ev.Estimated)
	owner := user(op.Owner)
	switch op.Kind {
	case store.OpUp:
		return renderUpRoot(ev, owner, name, sp)
	case store.OpDown:
		switch ev.Kind {
		case commands.EventDestroyed:
			line := mdf(":black_circle: %s was destroyed by %s · %s", name, user(actorOr(ev, op.Owner)), sp)
			if in != nil && in.Owner != "" && in.Owner != actorOr(ev, op.Owner) {
				line += " · was " + user(in.Owner) + "'s"
			}
			return rootMessage(line, "")
		case commands.EventFailed:
			return rootMessage(mdf(":warning: %s could not destroy %s · %s", owner, name, sp), esc(ev.Detail))
		case commands.EventSnapshotting, commands.EventSnapshotCreated:
			return rootMessage(mdf(":camera: %s is saving a snapshot of %s, then destroying it · %s", owner, name, sp), "")
		}
		return rootMessage(mdf(":wastebasket: %s is destroying %s · %s", owner, name, sp), "")
	case store.OpSnapshotCreate:
		switch ev.Kind {
		case commands.EventSnapshotCreated:
			return rootMessage(mdf(":camera: %s saved a snapshot of %s%s", owner, name, snapName(ev)), "")
		case commands.EventFailed:
			return rootMessage(mdf(":x: %s could not snapshot %s", owner, name), esc(ev.Detail))
		}
		return rootMessage(mdf(":camera: %s is snapshotting %s", owner, name), "")
	case store.OpSnapshotDelete:
		id := code(op.SnapshotID)
		switch ev.Kind {
		case commands.EventSnapshotDeleted:
			return rootMessage(mdf(":wastebasket: %s deleted snapshot %s · %s", owner, id, ev.ProviderLabel), "")
		case commands.EventFailed:
			return rootMessage(mdf(":x: %s could not delete snapshot %s", owner, id), esc(ev.Detail))
		}
		return rootMessage(mdf(":wastebasket: %s is deleting snapshot %s · %s", owner, id, ev.ProviderLabel), "")
	}
	return rootMessage(mdf("%s: %s %s", owner, op.Kind, ev.Kind), esc(ev.Detail))
}

func renderUpRoot(ev commands.Event, owner, name, sp md) message {
	in := ev.Instance
	switch ev.Kind {
	case commands.EventAccepted:
		return rootMessage(mdf(":hourglass_flowing_sand: %s requested %s · %s", owner, name, sp), "")
	case commands.EventAwaitingApproval:
		var detail md
		if ev.Approval != nil {
			detail = "Waiting for an approver until " + clock(ev.Approval.Expires)
		}
		return rootMessage(mdf(":raised_hand: %s is waiting for approval of %s · %s", owner, name, sp), detail)
	case commands.EventApproved:
		return rootMessage(mdf(":thumbsup: %s's %s was approved by %s · %s", owner, name, user(ev.Actor), sp), "")
	case commands.EventCreating, commands.EventCreated:
		return rootMessage(mdf(":gear: %s is creating %s · %s", owner, name, sp), "")
	case commands.EventReady:
		var ip md
		var detail md
		if in != nil {
			ip = " at " + code(in.IP)
			detail = joinDot("`ssh dev@"+esc(in.IP)+"`", "lease until "+clock(in.LeaseExpiry))
		}
		return rootMessage(mdf(":large_green_circle: %s's %s is ready%s · %s", owner, name, ip, sp), detail)
	case commands.EventDenied:
		return rootMessage(mdf(":no_entry: %s's request for %s was denied by %s · %s", owner, name, user(ev.Actor), sp), "")
	case commands.EventApprovalExpired:
		return rootMessage(mdf(":hourglass: %s's request for %s expired · %s", owner, name, sp), esc(upper(ev.Detail)))
	case commands.EventFailed:
		return rootMessage(mdf(":x: %s could not get %s · %s", owner, name, sp), esc(ev.Detail))
	}
	return rootMessage(mdf(":gear: %s is creating %s · %s", owner, name, sp), "")
}

func actorOr(ev commands.Event, fallback string) string {
	if ev.Actor != "" {
		return string(ev.Actor)
	}
	return fallback
}

func snapName(ev commands.Event) md {
	if ev.Snapshot == nil {
		return ""
	}
	var s md = " as "
	if ev.Snapshot.Name != "" {
		s += code(ev.Snapshot.Name) + " "
	}
	return s + "(" + code(ev.Snapshot.ID) + ")"
}

// renderProgress is the thread reply for ev, if it has one. asked says
// where the approval card went ("in #ops", "to @bob by DM").
func renderProgress(ev commands.Event, asked md, now time.Time) (message, bool) {
	if m, ok := renderInstanceProgress(ev); ok {
		return m, true
	}
	if m, ok := renderSSH(ev); ok {
		return m, true
	}
	op, in := ev.Op, ev.Instance
	name := code(op.Instance)
	cloud := ev.ProviderLabel
	switch ev.Kind {
	case commands.EventAwaitingApproval:
		var line md = ":raised_hand: This needs an approver's OK"
		if in != nil && in.PriceHourly > 0 {
			line += mdf(": %s costs %s (%s)", name, hourly(in.PriceHourly, ev.Estimated), monthly(in.PriceHourly))
		}
		line += "."
		if asked != "" {
			line += " I asked " + asked + "."
		}
		if ev.Approval != nil {
			line += " The request expires " + clock(ev.Approval.Expires) + "."
		}
		return textMessage(line), true
	case commands.EventApproved:
		return textMessage(mdf(":thumbsup: Approved by %s. Creating it now.", user(ev.Actor))), true
	case commands.EventApprovalRefused:
		return textMessage(mdf(":warning: %s pressed Approve — %s. The request still waits for an approver.",
			user(ev.Actor), text(detail(ev)))), true
	case commands.EventDenied:
		return textMessage(mdf(":no_entry: Denied by %s. Nothing was created.", user(ev.Actor))), true
	case commands.EventApprovalExpired:
		return textMessage(mdf(":hourglass: The request expired: %s. Nothing was created; ask again with `/spuff up`.", ev.Detail)), true
	case commands.EventCreating:
		if in != nil {
			return textMessage(mdf(":gear: Asking %s for a %s in %s…", cloud, code(in.Size), code(in.Region))), true
		}
		return textMessage(mdf(":gear: Asking %s for it…", cloud)), true
	case commands.EventRetrying:
		return textMessage(mdf(":hourglass_flowing_sand: %s", upper(ev.Detail))), true
	case commands.EventCreated:
		if ev.Address != "" {
			return textMessage(mdf(":package: %s accepted it (id %s); its address will be %s. Waiting for it to boot…", cloud, code(op.CloudID), code(ev.Address))), true
		}
		return textMessage(mdf(":package: %s accepted it (id %s). Waiting for it to boot and get an address…", cloud, code(op.CloudID))), true
	case commands.EventReady:
		return renderReady(ev, now), true
	case commands.EventSnapshotting:
		return textMessage(mdf(":camera: Snapshotting %s… this can take a few minutes.", name)), true
	case commands.EventSnapshotCreated:
		id := op.SnapshotID
		if ev.Snapshot != nil {
			id = ev.Snapshot.ID
		}
		line := mdf(":camera: Saved a snapshot of %s%s.", name, snapName(ev))
		if ev.Snapshot != nil && ev.Snapshot.SizeGB > 0 {
			line += mdf(" It holds %.1f GB.", ev.Snapshot.SizeGB)
		}
		line += " Boot from it with `/spuff up --snapshot " + esc(id) + "`."
		return textMessage(line), true
	case commands.EventSnapshotDeleted:
		return textMessage(mdf(":wastebasket: Deleted snapshot %s.", code(op.SnapshotID))), true
	case commands.EventDestroying:
		return textMessage(mdf(":wastebasket: Destroying %s…", name)), true
	case commands.EventDestroyed:
		return textMessage(mdf(":black_circle: %s is destroyed (by %s). It costs nothing from now on.", name, user(actorOr(ev, op.Owner)))), true
	case commands.EventFailed:
		return textMessage(":x: " + esc(upper(ev.Detail))), true
	}
	return message{}, false
}

// detail is ev's Detail as a Text, with the ids it names when the
// Service kept them.
func detail(ev commands.Event) commands.Text {
	if len(ev.DetailText) > 0 {
		return ev.DetailText
	}
	return commands.Text{{Kind: commands.PartPlain, S: ev.Detail}}
}

// renderReady is the thread reply that hands over a ready VM: its
// address, the ssh line and the lease.
func renderReady(ev commands.Event, now time.Time) message {
	in := ev.Instance
	name := code(ev.Op.Instance)
	if in == nil || in.IP == "" {
		return textMessage(mdf(":white_check_mark: %s is ready.", name))
	}
	ip := esc(in.IP)
	lease := mdf("Lease ends %s (in %s). Keep it longer with `/spuff extend %s 2h`; destroy it with `/spuff down %s`.",
		clock(in.LeaseExpiry), human(in.LeaseExpiry.Sub(now)), esc(in.Name), esc(in.Name))
	foot := []md{lease}
	if ev.Estimated {
		foot = append(foot, "The price is an estimate.")
	}
	return message{
		Text: mdf("%s is ready at %s: ssh dev@%s", in.Name, in.IP, in.IP),
		Blocks: []slack.Block{
			section(mdf(":white_check_mark: %s is ready at %s · %s", name, code(in.IP), specs(in, ev.ProviderLabel, ev.Estimated))),
			section("```ssh dev@" + ip + "```"),
			contextBlock(foot...),
		},
	}
}

// renderTeamLine is the one-line notification for the team channel, if
// ev has one: a VM ready, destroyed, or an operation failed.
func renderTeamLine(ev commands.Event) (message, bool) {
	if m, ok := renderInstanceTeamLine(ev); ok {
		return m, true
	}
	op, in := ev.Op, ev.Instance
	name := code(op.Instance)
	sp := specs(in, ev.ProviderLabel, ev.Estimated)
	switch ev.Kind {
	case commands.EventReady:
		return textMessage(mdf(":large_green_circle: %s created %s · %s", user(op.Owner), name, sp)), true
	case commands.EventDestroyed:
		actor := actorOr(ev, op.Owner)
		line := mdf(":black_circle: %s destroyed %s · %s", user(actor), name, sp)
		if in != nil && in.Owner != "" && in.Owner != actor {
			line += " · was " + user(in.Owner) + "'s"
		}
		return textMessage(line), true
	case commands.EventFailed:
		what := map[store.OpKind]md{
			store.OpUp:             "Creating " + name,
			store.OpDown:           "Destroying " + name,
			store.OpSnapshotCreate: "Snapshotting " + name,
			store.OpSnapshotDelete: "Deleting snapshot " + code(op.SnapshotID),
		}[op.Kind]
		if what == "" {
			what = esc(string(op.Kind))
		}
		return textMessage(mdf(":x: %s for %s failed: %s", what, user(op.Owner), ev.Detail)), true
	}
	return message{}, false
}

// renderNoChannel is m with a note that the bot cannot post where the
// command was typed, and how to fix that.
func renderNoChannel(m message) message {
	var note md = ":information_source: I can't post in this conversation (a private channel I'm not in, or a DM), " +
		"so only you see my updates, here. Invite me with `/invite @spuffbot` to get a thread everyone can follow."
	blocks := append(append([]slack.Block{}, m.Blocks...), contextBlock(note))
	return message{Text: m.Text, Blocks: blocks}
}
