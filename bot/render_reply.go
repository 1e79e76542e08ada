package bot

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

// renderReply renders the immediate answer to cmd: a list, a status, the
// sizes, keys, snapshots, help, or a sentence.
func renderReply(cmd grammar.Command, r commands.Reply, now time.Time) message {
	switch {
	case r.Sizes != nil:
		return renderSizes(r.Sizes)
	case len(r.Instances) > 0 && cmd.Verb == grammar.VerbList:
		return renderList(r.Instances, cmd.All)
	case len(r.Instances) > 0:
		return renderStatus(r.Text, r.Instances[0], now)
	case len(r.Snapshots) > 0:
		return renderSnapshots(r.Text, r.Snapshots, cmd.All)
	case len(r.Keys) > 0 && cmd.Sub == "list":
		return renderKeys(r.Keys)
	case len(r.Audit) > 0:
		return renderAudit(r.Audit)
	case cmd.Verb == grammar.VerbHelp:
		return renderHelp(r.Text)
	}
	if r.Text == "" {
		return textMessage("Done.")
	}
	return textMessage(esc(r.Text))
}

// renderError renders a refusal or failure for the person who ran a
// command: a person's mistake (commands.Refusal) with its hint apart,
// anything else as Explain puts it (with ref for an internal error).
func renderError(err error, ref string) message {
	if m, hint, mistake := commands.Refusal(err); mistake {
		msg := text(m)
		if len(hint) > 0 {
			return message{Text: plain(msg + " — " + text(hint)), Blocks: []slack.Block{
				section(":warning: " + upperMD(msg)),
				contextBlock(":bulb: " + upperMD(text(hint))),
			}}
		}
		return message{Text: plain(msg), Blocks: []slack.Block{section(":warning: " + upperMD(msg))}}
	}
	sentence := esc(upper(commands.Explain(err, ref)))
	return message{Text: plain(sentence), Blocks: []slack.Block{section(":warning: " + sentence)}}
}

// upper capitalises the first letter of s.
func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var statusEmoji = map[store.InstanceStatus]md{
	store.InstanceCreating:   ":hourglass_flowing_sand:",
	store.InstanceReady:      ":large_green_circle:",
	store.InstanceDestroying: ":wastebasket:",
	store.InstanceDestroyed:  ":black_circle:",
	store.InstanceFailed:     ":x:",
}

// listLine is one instance as a line of a list.
func listLine(v commands.InstanceView, withOwner bool) md {
	var owner md
	if withOwner {
		owner = user(v.Owner)
	}
	var ip md
	if v.IP != "" {
		ip = code(v.IP)
	}
	var spent md
	if v.SpendToDate > 0 {
		spent = mdf("$%.2f so far", v.SpendToDate)
	}
	var lease md
	if v.Status.Live() && !v.LeaseExpiry.IsZero() {
		lease = left(v.LeaseLeft)
	}
	return joinDot(statusEmoji[v.Status]+" *"+code(v.Name)+"* "+esc(string(v.Status)), owner, ip,
		esc(v.Size), esc(v.Region), esc(v.ProviderLabel), hourly(v.PriceHourly, false), spent, lease)
}

// renderList renders list and list --all, summarising what does not fit
// in one message as "and N more".
func renderList(list []commands.InstanceView, all bool) message {
	title := fmt.Sprintf("Your instances (%d)", len(list))
	if all {
		title = fmt.Sprintf("All instances (%d)", len(list))
	}
	total := 0.0
	lines := make([]md, 0, len(list))
	for _, v := range list {
		lines = append(lines, listLine(v, all))
		if v.Status.Live() {
			total += v.PriceHourly
		}
	}
	blocks := []slack.Block{header(title)}
	packed, more := packLines(lines, 3, textBudget)
	blocks = append(blocks, packed...)
	foot := []md{mdf("Together %s while they run.", hourly(total, false))}
	if more > 0 {
		foot = append([]md{mdf("…and %d more not shown. See one with `/spuff status &lt;name&gt;`.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: mdf("%s, together %s", title, hourly(total, false)), Blocks: blocks}
}

// renderStatus renders one instance in detail, after text when set (as
// extend answers).
func renderStatus(text string, v commands.InstanceView, now time.Time) message {
	var blocks []slack.Block
	if text != "" {
		blocks = append(blocks, section(esc(text)))
	}
	blocks = append(blocks, section(statusEmoji[v.Status]+" *"+code(v.Name)+"* is "+esc(string(v.Status))+" · owner "+user(v.Owner)))
	fields := []md{
		"*Cloud*\n" + esc(v.ProviderLabel),
		"*Size*\n" + esc(v.Size),
		"*Region*\n" + esc(v.Region),
		"*Price*\n" + hourly(v.PriceHourly, false) + " (" + monthly(v.PriceHourly) + ")",
	}
	if v.IP != "" {
		fields = append(fields, "*IP*\n"+code(v.IP))
	}
	if v.SpendToDate > 0 {
		fields = append(fields, mdf("*Spent*\n$%.2f", v.SpendToDate))
	}
	if v.Status.Live() && !v.LeaseExpiry.IsZero() {
		fields = append(fields, "*Lease*\nuntil "+clock(v.LeaseExpiry)+" ("+left(v.LeaseLeft)+")")
	}
	if !v.Created.IsZero() {
		fields = append(fields, "*Created*\n"+clock(v.Created)+" ("+esc(human(now.Sub(v.Created)))+" ago)")
	}
	if v.Image != "" {
		fields = append(fields, "*Image*\n"+esc(v.Image))
	}
	blocks = append(blocks, fieldsSection(fields...))
	if a := commands.IdleStatus(v.Instance); a != "" && v.Status.Live() {
		blocks = append(blocks, contextBlock(":bar_chart: Activity: "+esc(a))) // idle checks
	}
	if v.IP != "" && v.Status == store.InstanceReady {
		blocks = append(blocks, contextBlock("Connect with `ssh dev@"+esc(v.IP)+"`"))
	}
	summary := mdf("%s is %s", v.Name, v.Status)
	if text != "" {
		summary = plain(esc(text))
	}
	return message{Text: summary, Blocks: blocks}
}

// renderSizes renders a provider's catalog.
func renderSizes(v *commands.SizesView) message {
	lines := make([]md, 0, len(v.Sizes))
	for _, s := range v.Sizes {
		l := joinDot(code(s.Slug), mdf("%d vCPU", s.VCPUs), esc(memory(s.MemoryMB)),
			esc(diskGB(s.DiskGB)), hourly(s.PriceHourly, v.Estimated), monthly(s.PriceHourly))
		if s.Slug == v.DefaultSize {
			l += " *(default)*"
		}
		lines = append(lines, l)
	}
	regions := make([]md, 0, len(v.Regions))
	for _, r := range v.Regions {
		if !r.Available {
			continue
		}
		s := code(r.Slug)
		if r.Name != "" && r.Name != r.Slug {
			s += " " + esc(r.Name)
		}
		if r.Slug == v.DefaultRegion {
			s += " *(default)*"
		}
		regions = append(regions, s)
	}
	blocks := []slack.Block{header(v.ProviderLabel + " sizes")}
	packed, more := packLines(lines, 4, textBudget-2000)
	blocks = append(blocks, packed...)
	if len(regions) > 0 {
		blocks = append(blocks, section("*Regions:* "+mdJoin(regions, ", ")))
	}
	var foot []md
	if more > 0 {
		foot = append(foot, mdf("…and %d more sizes.", more))
	}
	if v.Estimated {
		foot = append(foot, "Prices are estimates.")
	}
	foot = append(foot, "Pick one with `/spuff up --size &lt;size&gt; --region &lt;region&gt;`.")
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: esc(v.ProviderLabel + ": " + plural(len(v.Sizes), "size")), Blocks: blocks}
}

func memory(mb int) string {
	if mb%1024 == 0 {
		return fmt.Sprintf("%d GB RAM", mb/1024)
	}
	return fmt.Sprintf("%.1f GB RAM", float64(mb)/1024)
}

func diskGB(gb int) string {
	if gb == 0 {
		return ""
	}
	return fmt.Sprintf("%d GB disk", gb)
}

// renderKeys renders a person's SSH keys.
func renderKeys(keys []store.SSHKey) message {
	lines := make([]md, 0, len(keys))
	for _, k := range keys {
		var added md
		if !k.Added.IsZero() {
			added = "added " + esc(k.Added.UTC().Format("2006-01-02"))
		}
		var comment md
		if k.Comment != "" {
			comment = esc(k.Comment)
		}
		lines = append(lines, joinDot(code(k.Fingerprint), esc(k.Type), comment, added))
	}
	blocks := []slack.Block{header(fmt.Sprintf("Your SSH keys (%d)", len(keys)))}
	packed, more := packLines(lines, 3, textBudget)
	blocks = append(blocks, packed...)
	foot := []md{"Remove one with `/spuff key remove &lt;fingerprint&gt;`."}
	if more > 0 {
		foot = append([]md{mdf("…and %d more.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: mdf("You have %s", plural(len(keys), "SSH key")), Blocks: blocks}
}

// renderSnapshots renders spuff's snapshots, after a note when set, with
// who made each when they are not all the caller's (all).
func renderSnapshots(note string, snaps []commands.SnapshotView, all bool) message {
	lines := make([]md, 0, len(snaps))
	total := 0.0
	for _, s := range snaps {
		var cost, size, created, owner md
		if s.MonthlyCost > 0 {
			cost = mdf("$%.2f/month", s.MonthlyCost)
			total += s.MonthlyCost
		}
		if s.SizeGB > 0 {
			size = mdf("%.1f GB", s.SizeGB)
		}
		if !s.Created.IsZero() {
			created = mdf("made %s", s.Created.UTC().Format("2006-01-02 15:04 UTC"))
		}
		if all {
			owner = user(s.Owner)
		}
		lines = append(lines, joinDot(code(s.ID), esc(s.Name), owner, size, cost, esc(commands.Label(s.Provider)), created))
	}
	title := "Your snapshots (%d)"
	if all {
		title = "All snapshots (%d)"
	}
	blocks := []slack.Block{header(fmt.Sprintf(title, len(snaps)))}
	if note != "" {
		blocks = append(blocks, section(esc(note)))
	}
	packed, more := packLines(lines, 4, textBudget)
	blocks = append(blocks, packed...)
	foot := []md{mdf("Storage: $%.2f/month. Delete one with `/spuff snapshot delete &lt;id&gt;`.", total)}
	if more > 0 {
		foot = append([]md{mdf("…and %d more.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: esc(plural(len(snaps), "snapshot")), Blocks: blocks}
}

// renderHelp renders help text in as few sections as fit.
func renderHelp(help string) message {
	m := esc(strings.TrimSpace(help))
	blocks, more := packLines(mdLines(m), 1, textBudget)
	if more > 0 {
		blocks = append(blocks, contextBlock("…cut short; ask `/spuff help &lt;command&gt;` for one command."))
	}
	return message{Text: plain(m), Blocks: blocks}
}

// plural returns "1 key", "2 keys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
