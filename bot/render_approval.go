package bot

import (
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// Identifiers of the approval card's buttons. The value of each button is
// the operation id.
const (
	approvalBlockID = "spuff_approval"
	actionApprove   = "spuff_approve"
	actionDeny      = "spuff_deny"
)

// card is what an approval card shows.
type card struct {
	OpID      string
	Requester string
	Name      string
	Size      string
	Region    string
	Cloud     string
	Channel   string // where the request was made
	Price     float64
	Estimated bool
	Expires   time.Time
	State     store.ApprovalState
	DecidedBy string
	DecidedAt time.Time
	// Refusal is why the last Approve click could not start the request
	// (the re-check at click time), shown under the buttons.
	Refusal commands.Text
}

// cardFrom builds the card of an approval event.
func cardFrom(ev commands.Event) card {
	c := card{OpID: ev.Op.ID, Requester: ev.Op.Owner, Name: ev.Op.Instance, Cloud: ev.ProviderLabel,
		Channel: ev.Op.Channel, Estimated: ev.Estimated, State: store.ApprovalPending}
	if in := ev.Instance; in != nil {
		c.Size, c.Region, c.Price = in.Size, in.Region, in.PriceHourly
	}
	if a := ev.Approval; a != nil {
		c.decided(*a)
	}
	return c
}

// decided takes the approval's state and who decided, and when.
func (c *card) decided(a store.Approval) {
	c.State, c.DecidedBy, c.DecidedAt, c.Expires = a.State, a.DecidedBy, a.DecidedAt, a.Expires
	if c.Requester == "" {
		c.Requester = a.Requester
	}
}

// renderCard renders an approval card: the request with Approve and Deny
// buttons while it is pending, the decision once there is one.
func renderCard(c card) message {
	line := mdf("%s wants %s", user(c.Requester), code(c.Name))
	if c.Channel != "" {
		line += " (asked in " + channel(c.Channel) + ")"
	}
	title := md(":raised_hand: *Approval needed* · ")
	if c.State != store.ApprovalPending && c.State != "" {
		title = "*Approval request* · "
	}
	blocks := []slack.Block{
		section(title + line),
		fieldsSection(
			"*Requester*\n"+user(c.Requester),
			"*Size*\n"+orDash(esc(c.Size)),
			"*Region*\n"+orDash(esc(c.Region)),
			"*Cloud*\n"+orDash(esc(c.Cloud)),
			"*Cost*\n"+hourly(c.Price, c.Estimated)+" · "+monthly(c.Price)+" if it runs all month",
		),
	}
	fallback := mdf("Approval needed: %s wants %s at %s", user(c.Requester), c.Name, hourly(c.Price, c.Estimated))
	switch c.State {
	case store.ApprovalPending, "":
		approve := slack.NewButtonBlockElement(actionApprove, c.OpID,
			slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary)
		deny := slack.NewButtonBlockElement(actionDeny, c.OpID,
			slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false)).WithStyle(slack.StyleDanger)
		blocks = append(blocks, slack.NewActionBlock(approvalBlockID, approve, deny))
		if !c.Expires.IsZero() {
			blocks = append(blocks, contextBlock("Only an approver other than the requester can decide. Expires "+clock(c.Expires)+"."))
		}
	default:
		outcome := decisionLine(c)
		blocks = append(blocks, contextBlock(outcome))
		fallback = plain(outcome) + ": " + esc(c.Name)
	}
	if len(c.Refusal) > 0 {
		blocks = append(blocks, contextBlock(":warning: "+text(c.Refusal)))
	}
	return message{Text: fallback, Blocks: blocks}
}

// decisionLine says who decided and when: "Approved by <@bob> at 14:02 UTC".
func decisionLine(c card) md {
	at := c.DecidedAt.UTC().Format("15:04 UTC")
	switch c.State {
	case store.ApprovalApproved:
		return mdf(":white_check_mark: Approved by %s at %s", user(c.DecidedBy), at)
	case store.ApprovalDenied:
		return mdf(":no_entry: Denied by %s at %s", user(c.DecidedBy), at)
	case store.ApprovalExpired:
		return mdf(":hourglass: Expired at %s; nobody decided", c.Expires.UTC().Format("15:04 UTC"))
	}
	return esc(string(c.State))
}

// renderAlreadyDecided tells a clicker that the request was decided, or
// expired, before their click.
func renderAlreadyDecided(a store.Approval) message {
	if a.State == store.ApprovalExpired {
		return textMessage(mdf(":hourglass: This request expired at %s before anyone decided.", a.Expires.UTC().Format("15:04 UTC")))
	}
	c := card{State: a.State, DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt}
	line := decisionLine(c)
	if !a.DecidedAt.IsZero() {
		line += mdf(" on %s", a.DecidedAt.UTC().Format("Mon 2 Jan"))
	}
	return textMessage(line + ". This request was already decided; your click changed nothing.")
}

func orDash(s md) md {
	if s == "" {
		return "–"
	}
	return s
}

// decidedFromBlocks rebuilds a card the bot no longer remembers from the
// clicked message: its blocks without the buttons and notes, and the
// decision below.
func decidedFromBlocks(shown []slack.Block, a store.Approval) message {
	line := decisionLine(card{State: a.State, DecidedBy: a.DecidedBy, DecidedAt: a.DecidedAt, Expires: a.Expires})
	blocks := make([]slack.Block, 0, len(shown)+1)
	for _, bl := range shown {
		switch bl.BlockType() {
		case slack.MBTAction, slack.MBTContext:
			continue
		}
		blocks = append(blocks, bl)
	}
	blocks = append(blocks, contextBlock(line))
	return message{Text: plain(line), Blocks: blocks}
}
