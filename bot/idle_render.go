package bot

import (
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// Identifiers of the idle warning's buttons. The value of each button is
// the instance's name.
const (
	idleBlockID         = "spuff_idle"
	actionIdleKeep      = "spuff_idle_keep"
	actionIdleKeepLease = "spuff_idle_keep_lease"
	actionIdleDestroy   = "spuff_idle_destroy"
	actionIdleSnapshot  = "spuff_idle_snapshot_destroy"
)

// idleActions maps each button to what it asks of Service.Idle.
var idleActions = map[string]commands.IdleAction{
	actionIdleKeep:      commands.IdleKeep,
	actionIdleKeepLease: commands.IdleKeepLease,
	actionIdleDestroy:   commands.IdleDestroy,
	actionIdleSnapshot:  commands.IdleSnapshotDestroy,
}

// idleView is what an idle warning card shows.
type idleView struct {
	Name, Owner string
	Cloud       string
	Size        string
	Region      string
	Price       float64
	Estimated   bool
	Evidence    store.IdleFigures
	Deadline    time.Time
	LeaseEnd    time.Time
	Outcome     idleOutcome // zero while the buttons are offered
}

// idleOutcomeKind is what became of an idle warning.
type idleOutcomeKind string

// What became of an idle warning.
const (
	idleOpen              idleOutcomeKind = ""
	idleKept              idleOutcomeKind = "kept"
	idleCancelled         idleOutcomeKind = "in-use-again"
	idleDestroyRequested  idleOutcomeKind = "destroy-requested"
	idleSnapshotRequested idleOutcomeKind = "snapshot-requested"
	idleDestroyed         idleOutcomeKind = "destroyed-idle"
	idleGone              idleOutcomeKind = "gone"
)

// idleOutcome is what became of an idle warning, who did it and when.
type idleOutcome struct {
	Kind   idleOutcomeKind
	By     string
	At     time.Time
	Until  time.Time // the end of a keep
	Saved  float64   // USD saved by an idle destroy
	Detail string    // the figures that cancelled it
}

// idleViewOf builds the card of an instance.
func idleViewOf(in store.Instance, cloud string, estimated bool) idleView {
	return idleView{Name: in.Name, Owner: in.Owner, Cloud: cloud, Size: in.Size, Region: in.Region,
		Price: in.PriceHourly, Estimated: estimated, Evidence: in.Idle.Evidence, Deadline: in.Idle.Deadline,
		LeaseEnd: in.LeaseExpiry}
}

// evidenceLine is the figures of a warning and the price.
func (v idleView) evidenceLine() md {
	return mdf("%s, %s", commands.IdleFiguresText(v.Evidence), hourly(v.Price, v.Estimated))
}

// renderIdleCard renders the idle warning sent to an instance's owner:
// the evidence, the deadline and the four buttons while nobody has
// answered it; what became of it afterwards.
func renderIdleCard(v idleView, now time.Time) message {
	name := code(v.Name)
	fields := fieldsSection(
		"*Instance*\n"+name,
		"*Cloud*\n"+orDash(esc(v.Cloud)),
		"*Size*\n"+orDash(joinDot(esc(v.Size), esc(v.Region))),
		"*Cost*\n"+hourly(v.Price, v.Estimated),
		"*Lease ends*\n"+clock(v.LeaseEnd),
		"*Destroyed at*\n"+clock(v.Deadline),
	)
	evidence := contextBlock(":bar_chart: " + v.evidenceLine())
	if v.Outcome.Kind != idleOpen {
		line := idleOutcomeLine(v.Outcome)
		return message{Text: mdf("Idle warning for %s: %s", v.Name, plain(line)), Blocks: []slack.Block{
			section(":zzz: Idle warning for " + name),
			fields,
			evidence,
			contextBlock(line),
		}}
	}
	when := clock(v.Deadline)
	if d := v.Deadline.Sub(now); d > 0 {
		when = mdf("%s (in %s)", when, human(d))
	}
	head := mdf(":zzz: *Still using %s?* Its cloud says it has been idle: %s. "+
		"It will be destroyed at %s unless you keep it. It is deleted, not stopped.", name, v.evidenceLine(), when)
	return message{
		Text: mdf("Still using %s? It will be destroyed at %s unless you keep it", v.Name, clock(v.Deadline)),
		Blocks: []slack.Block{
			section(head),
			fields,
			slack.NewActionBlock(idleBlockID, idleButtons(v)...),
			contextBlock(mdf("Only %s or an admin can use these buttons. Using the VM again cancels this too.", user(v.Owner))),
		},
	}
}

// idleButtons are the four answers to an idle warning.
func idleButtons(v idleView) []slack.BlockElement {
	keep := slack.NewButtonBlockElement(actionIdleKeep, v.Name, plainText("Keep 2h")).WithStyle(slack.StylePrimary)
	keepLease := slack.NewButtonBlockElement(actionIdleKeepLease, v.Name, plainText("Keep until lease end"))
	destroy := slack.NewButtonBlockElement(actionIdleDestroy, v.Name, plainText("Destroy now")).
		WithStyle(slack.StyleDanger).
		WithConfirm(confirm("Destroy now?", "Delete "+v.Name+" at its cloud now. What is on its disk is lost.", "Destroy"))
	snapshot := slack.NewButtonBlockElement(actionIdleSnapshot, v.Name, plainText("Snapshot & destroy")).
		WithConfirm(confirm("Snapshot and destroy?",
			"Save a snapshot of "+v.Name+", then delete the VM. The snapshot costs a little per month until you delete it.",
			"Snapshot & destroy"))
	return []slack.BlockElement{keep, keepLease, destroy, snapshot}
}

// idleOutcomeLine says what became of an idle warning.
func idleOutcomeLine(o idleOutcome) md {
	at := o.At.UTC().Format("15:04 UTC")
	switch o.Kind {
	case idleKept:
		return mdf(":white_check_mark: Kept by %s; no idle checks until %s", user(o.By), clock(o.Until))
	case idleCancelled:
		return mdf(":runner: In use again at %s (%s); it stays", at, o.Detail)
	case idleDestroyRequested:
		return mdf(":wastebasket: Destroy requested by %s at %s", user(o.By), at)
	case idleSnapshotRequested:
		return mdf(":camera: Snapshot &amp; destroy requested by %s at %s", user(o.By), at)
	case idleDestroyed:
		return mdf(":black_circle: Destroyed at %s: nobody kept it and it stayed idle. Saved $%.2f", at, o.Saved)
	case idleGone:
		return mdf(":black_circle: Gone at %s", at)
	}
	return esc(string(o.Kind))
}

// idleFromBlocks is an idle warning the bot no longer remembers, rebuilt
// from the clicked message: its blocks without the buttons and notes,
// and what became of it below.
func idleFromBlocks(shown []slack.Block, name string, o idleOutcome) message {
	line := idleOutcomeLine(o)
	blocks := make([]slack.Block, 0, len(shown)+1)
	for _, bl := range shown {
		if bl.BlockType() == slack.MBTAction {
			continue
		}
		blocks = append(blocks, bl)
	}
	blocks = append(blocks, contextBlock(line))
	return message{Text: mdf("Idle warning for %s: %s", name, plain(line)), Blocks: blocks}
}

// renderIdleThread is the thread's line for an idle event.
func renderIdleThread(ev commands.Event) (message, bool) {
	in := ev.Instance
	switch ev.Kind {
	case commands.EventIdleWarning:
		return textMessage(mdf(":zzz: %s %s I sent you buttons by DM to keep it or destroy it.",
			user(in.Owner), ev.Detail)), true
	case commands.EventIdleCancelled, commands.EventIdleKept:
		return textMessage(mdf(":white_check_mark: %s", ev.Detail)), true
	case commands.EventIdleDestroyed:
		return textMessage(mdf(":black_circle: %s It costs nothing from now on.", ev.Detail)), true
	}
	return message{}, false
}

// renderIdleTeamLine is the team channel's line for an idle destroy.
func renderIdleTeamLine(ev commands.Event, saved float64) message {
	in := ev.Instance
	return textMessage(mdf(":zzz: %s's %s was destroyed because it was idle and nobody kept it (%s) · %s · saved $%.2f",
		user(in.Owner), code(in.Name), commands.IdleFiguresText(in.Idle.Evidence), specs(in, ev.ProviderLabel, ev.Estimated), saved))
}

// renderIdleDuplicate tells a clicker that the idle warning was answered
// before: r is what Service.Idle said, its Answered the earlier click.
func renderIdleDuplicate(name string, r commands.Reply) message {
	if a := r.Answered; a != nil && a.Idle != "" {
		return textMessage(mdf(":information_source: This warning was already answered: %s kept %s. Your click changed nothing.",
			user(a.By), code(orText(a.Instance, name))))
	}
	return renderLeaseDuplicate(name, r)
}
