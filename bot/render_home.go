package bot

import (
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// Identifiers of the App Home tab. The value of each button is the
// instance's name; each instance's buttons are in the block
// homeVMBlock+name.
const (
	homeCallbackID    = "spuff_home"
	homeVMBlock       = "spuff_home_vm/"
	actionHomeExtend  = "spuff_home_extend"
	actionHomeDestroy = "spuff_home_destroy"
)

// Limits of the Home tab.
const (
	maxViewBlocks = 100 // blocks in one view
	// maxHomeOwn is how many of the viewer's own instances are shown with
	// buttons (two blocks each); the rest are summarised.
	maxHomeOwn = 30
	// homeTextBudget bounds the characters of the listed lines.
	homeTextBudget = 30000
)

// homeData is what one person's Home tab shows.
type homeData struct {
	// Mine are the viewer's live instances.
	Mine []commands.InstanceView
	// Pending are the viewer's requests waiting for an approver.
	Pending []homeApproval
	// Admin reports whether the viewer is an admin, who also sees Team.
	Admin bool
	Team  []commands.InstanceView
	// Notice is a line on top: what the viewer's last click did.
	Notice md
	// ExtendBy is what the Extend button adds.
	ExtendBy time.Duration
	Now      time.Time
}

// homeApproval is a request waiting for an approver.
type homeApproval struct {
	OpID, Requester string
	Name            string
	Size, Region    string
	Cloud           string
	Price           float64
	Estimated       bool
	Expires         time.Time
}

// renderHome renders the Home tab: the viewer's instances with Extend
// and Destroy buttons, their requests waiting for approval, and for an
// admin every running instance and what they cost together.
func renderHome(d homeData) slack.HomeTabViewRequest {
	blocks := []slack.Block{header("Your dev VMs")}
	if d.Notice != "" {
		blocks = append(blocks, section(d.Notice))
	}
	waiting := map[string]bool{}
	for _, p := range d.Pending {
		waiting[p.OpID] = true
	}
	var own []commands.InstanceView
	for _, v := range d.Mine {
		if !waiting[v.OpID] {
			own = append(own, v) // the others are listed with the requests below
		}
	}
	shown := min(len(own), maxHomeOwn)
	for _, v := range own[:shown] {
		line := listLine(v, false)
		if a := commands.IdleStatus(v.Instance); a != "" && v.Status == store.InstanceReady {
			line += "\n:bar_chart: " + esc(a) // idle checks
		}
		blocks = append(blocks, section(line))
		if v.Status == store.InstanceReady {
			blocks = append(blocks, slack.NewActionBlock(homeVMBlock+v.Name, homeButtons(v.Name, d.ExtendBy)...))
		}
	}
	if len(own) > shown {
		blocks = append(blocks, contextBlock(mdf("…and %d more. `/spuff list` lists them all.", len(own)-shown)))
	}
	if shown == 0 && len(d.Pending) == 0 {
		blocks = append(blocks, section("You have no VMs running. Type `/spuff up` in any channel to create one."))
	}
	if len(d.Pending) > 0 {
		blocks = append(blocks, slack.NewDividerBlock(), section("*Waiting for approval*"))
		lines := make([]md, 0, len(d.Pending))
		for _, p := range d.Pending {
			lines = append(lines, joinDot(":raised_hand: "+code(p.Name), esc(p.Size), esc(p.Region), esc(p.Cloud),
				hourly(p.Price, p.Estimated), "expires "+clock(p.Expires)))
		}
		packed, more := packLines(lines, maxBlocks-4, homeTextBudget/4)
		blocks = append(blocks, packed...)
		if more > 0 {
			blocks = append(blocks, contextBlock(mdf("…and %d more.", more)))
		}
	}
	if d.Admin {
		blocks = append(blocks, homeTeam(d.Team, maxViewBlocks-len(blocks)-1)...)
	}
	blocks = append(blocks, contextBlock(joinDot("Updated "+clock(d.Now), "`/spuff up` creates a VM", "`/spuff help` tells the rest")))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: homeCallbackID}
}

// homeTeam is the admin's part: every running instance and the team's
// cost per hour, in at most room blocks.
func homeTeam(team []commands.InstanceView, room int) []slack.Block {
	total := 0.0
	lines := make([]md, 0, len(team))
	for _, v := range team {
		total += v.PriceHourly
		lines = append(lines, listLine(v, true))
	}
	blocks := []slack.Block{
		slack.NewDividerBlock(),
		header("Team"),
		section(mdf("*%s running* · %s together", plural(len(team), "instance"), hourly(total, false))),
	}
	room -= len(blocks) + 1 // and one for "and N more"
	if room < 2 {
		return blocks
	}
	reserved := max(maxBlocks-room, 0)
	packed, more := packLines(lines, reserved, homeTextBudget)
	blocks = append(blocks, packed...)
	if more > 0 {
		blocks = append(blocks, contextBlock(mdf("…and %d more. `/spuff list --all` lists them all.", more)))
	}
	return blocks
}

// homeButtons are the buttons of one of the viewer's instances.
func homeButtons(name string, extendBy time.Duration) []slack.BlockElement {
	if extendBy <= 0 {
		extendBy = defaultExtendBy
	}
	extend := slack.NewButtonBlockElement(actionHomeExtend, name, viewText("Extend "+human(extendBy), 75))
	destroy := slack.NewButtonBlockElement(actionHomeDestroy, name, viewText("Destroy", 75)).
		WithStyle(slack.StyleDanger).
		WithConfirm(slack.NewConfirmationBlockObject(
			viewText("Destroy "+name+"?", 100),
			viewText("Delete "+name+" at its cloud now. What is on its disk is lost.", 300),
			viewText("Destroy", 30),
			viewText("Keep it", 30),
		).WithStyle(slack.StyleDanger))
	return []slack.BlockElement{extend, destroy}
}
