package bot

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// renderReply renders the immediate answer to cmd: a list, a status, the
// sizes, keys, snapshots, help, or a sentence.
func renderReply(cmd commands.Command, r commands.Reply, now time.Time) message {
	switch {
	case r.Sizes != nil:
		return renderSizes(r.Sizes)
	case len(r.Instances) > 0 && cmd.Verb == commands.VerbList:
		return renderList(r.Instances, cmd.All)
	case len(r.Instances) > 0:
		return renderStatus(r.Text, r.Instances[0], now)
	case len(r.Snapshots) > 0:
		return renderSnapshots(r.Text, r.Snapshots)
	case len(r.Keys) > 0 && cmd.Sub == "list":
		return renderKeys(r.Keys)
	case cmd.Verb == commands.VerbHelp:
		return renderHelp(r.Text)
	}
	if r.Text == "" {
		return textMessage("Done.")
	}
	return textMessage(r.Text)
}

// renderError renders a refusal or failure for the person who ran a
// command: a usage error with its hint apart, anything else as Explain
// puts it (with ref for an internal error).
func renderError(err error, ref string) message {
	text := commands.Explain(err, ref)
	var ue *commands.UsageError
	if errors.As(err, &ue) && ue.Hint != "" {
		msg := upper(ue.Msg)
		return message{Text: plain(text), Blocks: []slack.Block{
			section(":warning: " + msg),
			contextBlock(":bulb: " + upper(ue.Hint)),
		}}
	}
	return message{Text: plain(text), Blocks: []slack.Block{section(":warning: " + upper(text))}}
}

// upper capitalises the first letter of s.
func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var statusEmoji = map[store.InstanceStatus]string{
	store.InstanceCreating:   ":hourglass_flowing_sand:",
	store.InstanceReady:      ":large_green_circle:",
	store.InstanceDestroying: ":wastebasket:",
	store.InstanceDestroyed:  ":black_circle:",
	store.InstanceFailed:     ":x:",
}

// listLine is one instance as a line of a list.
func listLine(v commands.InstanceView, withOwner bool) string {
	owner := ""
	if withOwner {
		owner = user(v.Owner)
	}
	ip := ""
	if v.IP != "" {
		ip = code(v.IP)
	}
	spent := ""
	if v.SpendToDate > 0 {
		spent = fmt.Sprintf("$%.2f so far", v.SpendToDate)
	}
	lease := ""
	if v.Status.Live() && !v.LeaseExpiry.IsZero() {
		lease = left(v.LeaseLeft)
	}
	return joinDot(statusEmoji[v.Status]+" *"+code(v.Name)+"* "+string(v.Status), owner, ip,
		escape(v.Size), escape(v.Region), v.ProviderLabel, hourly(v.PriceHourly, false), spent, lease)
}

// renderList renders list and list --all, summarising what does not fit
// in one message as "and N more".
func renderList(list []commands.InstanceView, all bool) message {
	title := fmt.Sprintf("Your instances (%d)", len(list))
	if all {
		title = fmt.Sprintf("All instances (%d)", len(list))
	}
	total := 0.0
	lines := make([]string, 0, len(list))
	for _, v := range list {
		lines = append(lines, listLine(v, all))
		if v.Status.Live() {
			total += v.PriceHourly
		}
	}
	blocks := []slack.Block{header(title)}
	packed, more := packLines(lines, 3, textBudget)
	blocks = append(blocks, packed...)
	foot := []string{fmt.Sprintf("Together %s while they run.", hourly(total, false))}
	if more > 0 {
		foot = append([]string{fmt.Sprintf("…and %d more not shown. See one with `/spuff status <name>`.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: fmt.Sprintf("%s, together %s", title, hourly(total, false)), Blocks: blocks}
}

// renderStatus renders one instance in detail, after text when set (as
// extend answers).
func renderStatus(text string, v commands.InstanceView, now time.Time) message {
	var blocks []slack.Block
	if text != "" {
		blocks = append(blocks, section(text))
	}
	blocks = append(blocks, section(statusEmoji[v.Status]+" *"+code(v.Name)+"* is "+string(v.Status)+" · owner "+user(v.Owner)))
	fields := []string{
		"*Cloud*\n" + v.ProviderLabel,
		"*Size*\n" + escape(v.Size),
		"*Region*\n" + escape(v.Region),
		"*Price*\n" + hourly(v.PriceHourly, false) + " (" + monthly(v.PriceHourly) + ")",
	}
	if v.IP != "" {
		fields = append(fields, "*IP*\n"+code(v.IP))
	}
	if v.SpendToDate > 0 {
		fields = append(fields, fmt.Sprintf("*Spent*\n$%.2f", v.SpendToDate))
	}
	if v.Status.Live() && !v.LeaseExpiry.IsZero() {
		fields = append(fields, "*Lease*\nuntil "+clock(v.LeaseExpiry)+" ("+left(v.LeaseLeft)+")")
	}
	if !v.Created.IsZero() {
		fields = append(fields, "*Created*\n"+clock(v.Created)+" ("+human(now.Sub(v.Created))+" ago)")
	}
	if v.Image != "" {
		fields = append(fields, "*Image*\n"+escape(v.Image))
	}
	blocks = append(blocks, fieldsSection(fields...))
	if a := commands.IdleStatus(v.Instance); a != "" && v.Status.Live() {
		blocks = append(blocks, contextBlock(":bar_chart: Activity: "+escape(a))) // idle checks
	}
	if v.IP != "" && v.Status == store.InstanceReady {
		blocks = append(blocks, contextBlock("Connect with `ssh dev@"+escape(v.IP)+"`"))
	}
	summary := fmt.Sprintf("%s is %s", v.Name, v.Status)
	if text != "" {
		summary = plain(text)
	}
	return message{Text: summary, Blocks: blocks}
}

// renderSizes renders a provider's catalog.
func renderSizes(v *commands.SizesView) message {
	lines := make([]string, 0, len(v.Sizes))
	for _, s := range v.Sizes {
		l := joinDot(code(s.Slug), fmt.Sprintf("%d vCPU", s.VCPUs), memory(s.MemoryMB),
			diskGB(s.DiskGB), hourly(s.PriceHourly, v.Estimated), monthly(s.PriceHourly))
		if s.Slug == v.DefaultSize {
			l += " *(default)*"
		}
		lines = append(lines, l)
	}
	regions := make([]string, 0, len(v.Regions))
	for _, r := range v.Regions {
		if !r.Available {
			continue
		}
		s := code(r.Slug)
		if r.Name != "" && r.Name != r.Slug {
			s += " " + escape(r.Name)
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
		blocks = append(blocks, section(clip("*Regions:* "+strings.Join(regions, ", "), maxSectionText)))
	}
	var foot []string
	if more > 0 {
		foot = append(foot, fmt.Sprintf("…and %d more sizes.", more))
	}
	if v.Estimated {
		foot = append(foot, "Prices are estimates.")
	}
	foot = append(foot, "Pick one with `/spuff up --size <size> --region <region>`.")
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: v.ProviderLabel + ": " + plural(len(v.Sizes), "size"), Blocks: blocks}
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
	lines := make([]string, 0, len(keys))
	for _, k := range keys {
		added := ""
		if !k.Added.IsZero() {
			added = "added " + k.Added.UTC().Format("2006-01-02")
		}
		comment := ""
		if k.Comment != "" {
			comment = escape(k.Comment)
		}
		lines = append(lines, joinDot(code(k.Fingerprint), escape(k.Type), comment, added))
	}
	blocks := []slack.Block{header(fmt.Sprintf("Your SSH keys (%d)", len(keys)))}
	packed, more := packLines(lines, 3, textBudget)
	blocks = append(blocks, packed...)
	foot := []string{"Remove one with `/spuff key remove <fingerprint>`."}
	if more > 0 {
		foot = append([]string{fmt.Sprintf("…and %d more.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: "You have " + plural(len(keys), "SSH key"), Blocks: blocks}
}

// renderSnapshots renders spuff's snapshots, after a note when set.
func renderSnapshots(note string, snaps []commands.SnapshotView) message {
	lines := make([]string, 0, len(snaps))
	total := 0.0
	for _, s := range snaps {
		cost := ""
		if s.MonthlyCost > 0 {
			cost = fmt.Sprintf("$%.2f/month", s.MonthlyCost)
			total += s.MonthlyCost
		}
		size := ""
		if s.SizeGB > 0 {
			size = fmt.Sprintf("%.1f GB", s.SizeGB)
		}
		created := ""
		if !s.Created.IsZero() {
			created = "made " + s.Created.UTC().Format("2006-01-02 15:04 UTC")
		}
		lines = append(lines, joinDot(code(s.ID), escape(s.Name), size, cost, commands.Label(s.Provider), created))
	}
	blocks := []slack.Block{header(fmt.Sprintf("Snapshots (%d)", len(snaps)))}
	if note != "" {
		blocks = append(blocks, section(note))
	}
	packed, more := packLines(lines, 4, textBudget)
	blocks = append(blocks, packed...)
	foot := []string{fmt.Sprintf("Storage: $%.2f/month. Delete one with `/spuff snapshot delete <id>`.", total)}
	if more > 0 {
		foot = append([]string{fmt.Sprintf("…and %d more.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: plural(len(snaps), "snapshot"), Blocks: blocks}
}

// renderHelp renders help text in as few sections as fit.
func renderHelp(text string) message {
	blocks, more := packLines(strings.Split(strings.TrimSpace(text), "\n"), 1, textBudget)
	if more > 0 {
		blocks = append(blocks, contextBlock("…cut short; ask `/spuff help <command>` for one command."))
	}
	return message{Text: plain(text), Blocks: blocks}
}

// plural returns "1 key", "2 keys".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
