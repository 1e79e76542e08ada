package bot

import (
	"fmt"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/store"
)

// maxAuditOutcome is how much of an outcome (which may hold a cloud's
// error text) one line of the audit log shows.
const maxAuditOutcome = 200

// renderAudit renders the latest events of the audit log (oldest first
// in events) newest first: when, who, what and its outcome, one line
// each, as many as fit in one message; the older rest is counted.
func renderAudit(events []store.AuditEvent) message {
	lines := make([]md, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		lines = append(lines, auditLine(events[i]))
	}
	blocks := []slack.Block{header(fmt.Sprintf("Audit log: the latest %s", plural(len(events), "event")))}
	packed, more := packLines(lines, 3, textBudget)
	blocks = append(blocks, packed...)
	foot := []md{"Newest first. `/spuff audit &lt;n&gt;` shows up to 200."}
	if more > 0 {
		foot = append([]md{mdf("…and %d older not shown.", more)}, foot...)
	}
	blocks = append(blocks, contextBlock(foot...))
	return message{Text: mdf("Audit log: the latest %s", plural(len(events), "event")), Blocks: blocks}
}

// auditLine is one audit event: "`05-06 14:02:00` · @alice · *up* `box` · accepted".
func auditLine(ev store.AuditEvent) md {
	what := "*" + esc(ev.Action) + "*"
	if ev.Target != "" {
		what += " " + code(ev.Target)
	}
	outcome := clipMD(esc(orText(ev.Outcome, "–")), maxAuditOutcome)
	return joinDot(code(ev.Time.UTC().Format("2006-01-02 15:04:05")), user(ev.Actor),
		what, outcome)
}
