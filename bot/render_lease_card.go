package bot

import (
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// Identifiers of the lease warning's buttons. The value of each button is
// the instance's name.
const (
	leaseBlockID        = "spuff_lease"
	actionLeaseExtend   = "spuff_lease_extend"
	actionLeaseDestroy  = "spuff_lease_destroy"
	actionLeaseSnapshot = "spuff_lease_snapshot_destroy"
)

// leaseActions maps each button to what it asks of Service.Lease.
var leaseActions = map[string]commands.LeaseAction{
	actionLeaseExtend:   commands.LeaseExtend,
	actionLeaseDestroy:  commands.LeaseDestroy,
	actionLeaseSnapshot: commands.LeaseSnapshotDestroy,
}

// defaultExtendBy is what the Extend button adds when Config.ExtendBy is
// zero, as commands.Config.ExtendBy does.
const defaultExtendBy = 2 * time.Hour

// leaseView is what a lease warning card shows.
type leaseView struct {
	Name, Owner string
	Cloud       string
	Size        string
	Region      string
	Price       float64
	Estimated   bool
	Created     time.Time
	Expiry      time.Time
	ExtendBy    time.Duration
	Outcome     leaseOutcome // zero while the buttons are offered
}

// leaseOutcomeKind is what became of a lease warning.
type leaseOutcomeKind string

// What became of a lease warning.
const (
	leaseOpen              leaseOutcomeKind = ""
	leaseExtended          leaseOutcomeKind = "extended"
	leaseDestroyRequested  leaseOutcomeKind = "destroy-requested"
	leaseSnapshotRequested leaseOutcomeKind = "snapshot-requested"
	leaseDestroyed         leaseOutcomeKind = "destroyed"
	leaseExpired           leaseOutcomeKind = "expired"
	leaseOutside           leaseOutcomeKind = "destroyed-outside"
	leaseDestroyFailed     leaseOutcomeKind = "destroy-failed"
)

// leaseOutcome is what became of a lease warning, who did it and when.
type leaseOutcome struct {
	Kind   leaseOutcomeKind
	By     string
	At     time.Time
	Until  time.Time // the new end of an extended lease
	Detail string    // why a destroy failed
}

// open reports whether nothing became of the warning yet.
func (o leaseOutcome) open() bool { return o.Kind == leaseOpen }

// requested reports whether a destroy was asked for and has not ended.
func (o leaseOutcome) requested() bool {
	return o.Kind == leaseDestroyRequested || o.Kind == leaseSnapshotRequested
}

// leaseViewOf builds the card of an instance.
func leaseViewOf(in store.Instance, cloud string, estimated bool, extendBy time.Duration) leaseView {
	return leaseView{Name: in.Name, Owner: in.Owner, Cloud: cloud, Size: in.Size, Region: in.Region,
		Price: in.PriceHourly, Estimated: estimated, Created: in.Created, Expiry: in.LeaseExpiry, ExtendBy: extendBy}
}

// renderLeaseCard renders the lease warning sent to an instance's owner:
// the instance, its cost and its end, with Extend, Snapshot & destroy and
// Destroy now buttons while nobody has answered it; what became of it
// afterwards.
func renderLeaseCard(v leaseView, now time.Time) message {
	name := code(v.Name)
	end := v.Expiry
	if v.Outcome.Kind == leaseExtended && !v.Outcome.Until.IsZero() {
		end = v.Outcome.Until
	}
	spent := 0.0
	if !v.Created.IsZero() && now.After(v.Created) {
		spent = v.Price * now.Sub(v.Created).Hours()
	}
	fields := fieldsSection(
		"*Instance*\n"+name,
		"*Cloud*\n"+orDash(esc(v.Cloud)),
		"*Size*\n"+orDash(joinDot(esc(v.Size), esc(v.Region))),
		"*Cost*\n"+hourly(v.Price, v.Estimated),
		"*Lease ends*\n"+clock(end),
		mdf("*Spent so far*\n$%.2f", spent),
	)
	if v.Outcome.Kind != leaseOpen {
		line := leaseOutcomeLine(v.Name, v.Outcome)
		return message{Text: "Lease warning for " + esc(v.Name) + ": " + plain(line), Blocks: []slack.Block{
			section(":alarm_clock: Lease warning for " + name),
			fields,
			contextBlock(line),
		}}
	}
	when := clock(v.Expiry)
	if d := v.Expiry.Sub(now); d > 0 {
		when += " (in " + esc(human(d)) + ")"
	}
	head := mdf(":alarm_clock: *Your %s will be destroyed at %s*, when its lease ends. "+
		"It is deleted, not stopped: keep it longer, or save what you need.", name, when)
	return message{
		Text: mdf("Your %s will be destroyed at %s, when its lease ends", v.Name, clock(v.Expiry)),
		Blocks: []slack.Block{
			section(head),
			fields,
			slack.NewActionBlock(leaseBlockID, leaseButtons(v)...),
			contextBlock("Only " + user(v.Owner) + " or an admin can use these buttons."),
		},
	}
}

// leaseButtons are the three answers to a lease warning.
func leaseButtons(v leaseView) []slack.BlockElement {
	by := v.ExtendBy
	if by <= 0 {
		by = defaultExtendBy
	}
	extend := slack.NewButtonBlockElement(actionLeaseExtend, v.Name, plainText("Extend "+human(by))).
		WithStyle(slack.StylePrimary)
	snapshot := slack.NewButtonBlockElement(actionLeaseSnapshot, v.Name, plainText("Snapshot & destroy")).
		WithConfirm(confirm("Snapshot and destroy?",
			"Save a snapshot of "+v.Name+", then delete the VM. The snapshot costs a little per month until you delete it.",
			"Snapshot & destroy"))
	destroy := slack.NewButtonBlockElement(actionLeaseDestroy, v.Name, plainText("Destroy now")).
		WithStyle(slack.StyleDanger).
		WithConfirm(confirm("Destroy now?", "Delete "+v.Name+" at its cloud now. What is on its disk is lost.", "Destroy"))
	return []slack.BlockElement{extend, snapshot, destroy}
}

// leaseOutcomeLine says what became of a lease warning.
func leaseOutcomeLine(name string, o leaseOutcome) md {
	at := o.At.UTC().Format("15:04 UTC")
	switch o.Kind {
	case leaseExtended:
		return mdf(":white_check_mark: Extended by %s until %s", user(o.By), clock(o.Until))
	case leaseDestroyRequested:
		return mdf(":wastebasket: Destroy requested by %s at %s", user(o.By), at)
	case leaseSnapshotRequested:
		return mdf(":camera: Snapshot &amp; destroy requested by %s at %s", user(o.By), at)
	case leaseDestroyed:
		return mdf(":black_circle: Destroyed by %s at %s", user(o.By), at)
	case leaseExpired:
		return mdf(":black_circle: Destroyed at %s when its lease ended", at)
	case leaseOutside:
		return mdf(":ghost: Destroyed outside spuffbot; found gone at %s", at)
	case leaseDestroyFailed:
		return mdf(":x: Destroying it failed: %s Try again with `/spuff down %s`.", orText(o.Detail, "see the thread"), name)
	}
	return esc(string(o.Kind))
}

// leaseFromBlocks is a lease warning the bot no longer remembers, rebuilt
// from the clicked message: its blocks without the buttons and notes,
// and what became of it below.
func leaseFromBlocks(shown []slack.Block, name string, o leaseOutcome) message {
	line := leaseOutcomeLine(name, o)
	blocks := make([]slack.Block, 0, len(shown)+1)
	for _, bl := range shown {
		switch bl.BlockType() {
		case slack.MBTAction, slack.MBTContext:
			continue
		}
		blocks = append(blocks, bl)
	}
	blocks = append(blocks, contextBlock(line))
	return message{Text: "Lease warning for " + esc(name) + ": " + plain(line), Blocks: blocks}
}

// renderLeaseDuplicate tells a clicker that the warning was answered
// before, or that the instance is already being destroyed: r is what
// Service.Lease said, its Answered the earlier click and its Op the
// operation that click started, if any.
func renderLeaseDuplicate(name string, r commands.Reply) message {
	const nothing = " Your click changed nothing."
	a, op := r.Answered, r.Op
	if op == nil && a == nil {
		return textMessage(":information_source: " + esc(orText(r.Text, "That was already done.")) + nothing)
	}
	var line md
	if op == nil {
		n := code(orText(a.Instance, name))
		switch {
		case a.Lease == commands.LeaseExtend:
			line = mdf("This warning was already answered: %s extended the lease of %s.", user(a.By), n)
		case a.Idle != "":
			line = mdf("This warning was already answered: %s kept %s.", user(a.By), n)
		default:
			line = mdf("This warning was already answered by %s.", user(a.By))
		}
		return textMessage(":information_source: " + line + nothing)
	}
	n := code(orText(op.Instance, name))
	switch {
	case op.Kind == store.OpDown && op.State == store.OpDone:
		line = mdf("%s already destroyed %s.", user(op.Owner), n)
	case op.Kind == store.OpDown && op.State == store.OpFailed:
		line = mdf("%s asked to destroy %s, and that failed: %s Try `/spuff down %s`.",
			user(op.Owner), n, orText(op.Error, "see the thread."), esc(op.Instance))
	case op.Kind == store.OpDown:
		line = mdf("%s is already destroying %s.", user(op.Owner), n)
	default:
		line = esc(orText(r.Text, "That was already done."))
	}
	return textMessage(":information_source: " + line + nothing)
}

// renderOwnerNotice is the direct message that tells an owner their
// instance is gone without their asking: its lease ended, or someone
// destroyed it at the cloud.
func renderOwnerNotice(ev commands.Event, now time.Time) (message, bool) {
	in := ev.Instance
	if in == nil {
		return message{}, false
	}
	name := code(in.Name)
	var line md
	switch ev.Kind {
	case commands.EventExpired:
		line = mdf(":black_circle: Your %s was destroyed: its lease ended at %s. "+
			"It was deleted at %s, not stopped, so it costs nothing from now on.", name, clock(in.LeaseExpiry), orText(ev.ProviderLabel, "its cloud"))
	case commands.EventDestroyedOutside:
		line = mdf(":ghost: Your %s was destroyed outside spuffbot: %s no longer has it. "+
			"spuffbot stopped tracking it; it costs nothing from now on.", name, orText(ev.ProviderLabel, "its cloud"))
	default:
		return message{}, false
	}
	foot := specs(in, ev.ProviderLabel, ev.Estimated)
	if !in.Created.IsZero() && now.After(in.Created) && in.PriceHourly > 0 {
		foot = joinDot(foot, mdf("ran %s, about $%.2f", human(now.Sub(in.Created)), in.PriceHourly*now.Sub(in.Created).Hours()))
	}
	return message{Text: plain(line), Blocks: []slack.Block{section(line), contextBlock(foot)}}, true
}

// plainText returns a plain_text object, as button labels need.
func plainText(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, clip(s, 75), false, false)
}

// confirm is the dialog Slack shows before a button with it takes effect.
func confirm(title, text, yes string) *slack.ConfirmationBlockObject {
	return slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, clip(title, 100), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, clip(text, 300), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, clip(yes, 30), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
	).WithStyle(slack.StyleDanger)
}
