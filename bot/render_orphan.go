package bot

import (
	"regexp"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
)

// Identifiers of the orphan card's controls. Their block's id names the
// VM: orphanBlockPrefix + provider + ":" + cloud id.
const (
	orphanBlockPrefix     = "spuff_orphan:"
	actionOrphanAdoptFor  = "spuff_orphan_adopt_for" // a users_select
	actionOrphanAdoptMine = "spuff_orphan_adopt_mine"
	actionOrphanDestroy   = "spuff_orphan_destroy"
)

// orphanKey names an orphan VM: provider/cloud id.
func orphanKey(provider, cloudID string) string { return provider + "/" + cloudID }

// orphanBlockID is the block id of the orphan card's controls.
func orphanBlockID(provider, cloudID string) string {
	return orphanBlockPrefix + provider + ":" + cloudID
}

// parseOrphanBlockID reads the VM out of a block id of the orphan card.
func parseOrphanBlockID(id string) (provider, cloudID string, ok bool) {
	rest, ok := strings.CutPrefix(id, orphanBlockPrefix)
	if !ok {
		return "", "", false
	}
	provider, cloudID, ok = strings.Cut(rest, ":")
	return provider, cloudID, ok && provider != "" && cloudID != ""
}

// orphanOutcome is what became of an orphan.
type orphanOutcome struct {
	Kind  commands.EventKind // EventOrphanAdopted or EventOrphanDestroyed; "" while undecided
	By    string
	At    time.Time
	Owner string // the adopted instance's owner
	Name  string // and its name in spuffbot
}

// orphanView is what an orphan card shows.
type orphanView struct {
	Orphan    commands.Orphan
	Cloud     string
	Estimated bool
	Outcome   orphanOutcome
}

// orphanViewOf builds the card of an orphan event.
func orphanViewOf(ev commands.Event, now time.Time) orphanView {
	v := orphanView{Orphan: *ev.Orphan, Cloud: orText(ev.ProviderLabel, commands.Label(ev.Orphan.Provider)), Estimated: ev.Estimated}
	switch ev.Kind {
	case commands.EventOrphanAdopted, commands.EventOrphanDestroyed:
		v.Outcome = orphanOutcome{Kind: ev.Kind, By: string(ev.Actor), At: now}
		if ev.Instance != nil {
			v.Outcome.Owner, v.Outcome.Name = ev.Instance.Owner, ev.Instance.Name
		}
	}
	return v
}

// slackUserID matches what a Slack user id looks like.
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// labelledOwner shows the spuff-owner label of a VM: a mention when it
// holds a user id, else the text as it is (labels are anyone's input).
func labelledOwner(labels map[string]string) md {
	o := labels[providers.LabelOwner]
	switch {
	case o == "":
		return "–"
	case slackUserID.MatchString(o):
		return user(o)
	}
	return code(o)
}

// renderOrphanCard renders the card that shows the admins a VM with
// spuff's labels that spuffbot does not track: with a menu to adopt it
// for someone and Adopt as mine and Destroy buttons while undecided,
// and what became of it afterwards.
func renderOrphanCard(v orphanView) message {
	o := v.Orphan
	ci := o.Instance
	name := code(orText(ci.Name, ci.ID))
	var age, price md = "unknown", "unknown"
	if o.Age > 0 {
		age = esc(human(o.Age))
	}
	if o.PriceHourly > 0 {
		price = hourly(o.PriceHourly, v.Estimated) + " · " + monthly(o.PriceHourly)
	}
	fields := []md{
		"*Cloud*\n" + esc(v.Cloud),
		"*Cloud id*\n" + code(ci.ID),
		"*Name*\n" + name,
		"*Age*\n" + age,
		"*Cost*\n" + price,
		"*Labelled owner*\n" + labelledOwner(ci.Labels),
		"*Size*\n" + orDash(joinDot(esc(ci.Size), esc(ci.Region))),
	}
	if ci.IP != "" {
		fields = append(fields, "*IP*\n"+code(ci.IP))
	}
	if v.Outcome.Kind != "" {
		line := orphanOutcomeLine(v.Outcome)
		return message{Text: "Untracked VM " + esc(orText(ci.Name, ci.ID)) + ": " + plain(line), Blocks: []slack.Block{
			section(mdf(":mag: Untracked VM %s at %s", name, v.Cloud)),
			fieldsSection(fields...),
			contextBlock(line),
		}}
	}
	head := mdf(":warning: *Untracked VM at %s:* %s carries spuff's labels, but spuffbot has no record of it. "+
		"It costs money until someone adopts or destroys it.", v.Cloud, name)
	pick := slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plainText("Adopt for…"), actionOrphanAdoptFor)
	mine := slack.NewButtonBlockElement(actionOrphanAdoptMine, orphanKey(o.Provider, ci.ID), plainText("Adopt as mine")).
		WithStyle(slack.StylePrimary)
	destroy := slack.NewButtonBlockElement(actionOrphanDestroy, orphanKey(o.Provider, ci.ID), plainText("Destroy")).
		WithStyle(slack.StyleDanger).
		WithConfirm(confirm("Destroy this VM?", "Delete "+orText(ci.Name, ci.ID)+" at "+v.Cloud+" now. What is on its disk is lost.", "Destroy"))
	return message{
		Text: mdf("Untracked VM at %s: %s carries spuff's labels", v.Cloud, orText(ci.Name, ci.ID)),
		Blocks: []slack.Block{
			section(head),
			fieldsSection(fields...),
			slack.NewActionBlock(orphanBlockID(o.Provider, ci.ID), pick, mine, destroy),
			contextBlock("Only admins can adopt or destroy it. Adopting records it in spuffbot with an owner and a lease; " +
				"destroying deletes it at " + esc(v.Cloud) + "."),
		},
	}
}

// orphanOutcomeLine says what became of an orphan.
func orphanOutcomeLine(o orphanOutcome) md {
	at := o.At.UTC().Format("15:04 UTC")
	switch o.Kind {
	case commands.EventOrphanAdopted:
		line := mdf(":inbox_tray: Adopted by %s at %s", user(o.By), at)
		if o.Name != "" {
			line += mdf(": now %s, owned by %s", code(o.Name), user(o.Owner))
		}
		return line
	case commands.EventOrphanDestroyed:
		if o.By == commands.SystemActor {
			return mdf(":wastebasket: Destroyed by spuffbot at %s: it was older than the grace period for untracked VMs", at)
		}
		return mdf(":wastebasket: Destroyed by %s at %s", user(o.By), at)
	}
	return esc(string(o.Kind))
}

// renderAdoptedNotice tells the new owner of an adopted VM that it is
// theirs now, with its lease.
func renderAdoptedNotice(ev commands.Event) message {
	in := ev.Instance
	line := mdf(":inbox_tray: %s made you the owner of %s, a VM at %s that spuffbot did not track. "+
		"Its lease ends %s; see it with `/spuff status %s`, or destroy it with `/spuff down %s`.",
		user(ev.Actor), code(in.Name), orText(ev.ProviderLabel, commands.Label(in.Provider)), clock(in.LeaseExpiry),
		esc(in.Name), esc(in.Name))
	return textMessage(line)
}
