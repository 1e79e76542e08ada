package console

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spuffbot/spuffbot/commands"
)

// render prints a reply.
func (c *Console) render(r commands.Reply) {
	if r.Duplicate {
		return
	}
	if r.Text != "" {
		c.println(r.Text)
	}
	for _, w := range r.Warnings {
		c.println("warning: " + w)
	}
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	if len(r.Instances) > 0 {
		fmt.Fprintln(w, "NAME\tOWNER\tSTATE\tIP\tSIZE\tREGION\tCLOUD\t$/H\tLEASE LEFT")
		for _, in := range r.Instances {
			ip := in.IP
			if ip == "" {
				ip = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Name, in.Owner, in.Status, ip,
				in.Size, in.Region, in.ProviderLabel, price(in.PriceHourly), leaseLeft(in.LeaseLeft))
		}
		if a := commands.IdleStatus(r.Instances[0].Instance); len(r.Instances) == 1 && a != "" {
			fmt.Fprintln(w, "activity: "+a) // idle checks
		}
	}
	if v := r.Sizes; v != nil {
		fmt.Fprintf(w, "SIZE\tVCPU\tMEMORY\t$/H\t$/MONTH\t(%s)\n", v.ProviderLabel)
		for _, s := range v.Sizes {
			mark := ""
			if s.Slug == v.DefaultSize {
				mark = "  (default)"
			}
			fmt.Fprintf(w, "%s\t%d\t%s\t%s\t$%.2f%s\n", s.Slug, s.VCPUs, memory(s.MemoryMB), price(s.PriceHourly), s.PriceHourly*730, mark)
		}
		if v.Estimated {
			fmt.Fprintln(w, "Prices are estimates.")
		}
	}
	if len(r.Keys) > 0 {
		fmt.Fprintln(w, "TYPE\tFINGERPRINT\tCOMMENT")
		for _, k := range r.Keys {
			fmt.Fprintf(w, "%s\t%s\t%s\n", k.Type, k.Fingerprint, k.Comment)
		}
	}
	if len(r.Snapshots) > 0 {
		fmt.Fprintln(w, "ID\tNAME\tOWNER\tCLOUD\tSIZE\tCREATED\t$/MONTH")
		for _, s := range r.Snapshots {
			cost := "?" // unknown: the catalog could not be read
			if s.MonthlyCost > 0 {
				cost = fmt.Sprintf("$%.2f", s.MonthlyCost)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%.1f GB\t%s\t%s\n", s.ID, s.Name, person(s.Owner), commands.Label(s.Provider), s.SizeGB,
				s.Created.UTC().Format("2006-01-02 15:04"), cost)
		}
	}
	if len(r.Audit) > 0 {
		fmt.Fprintln(w, "TIME\tACTOR\tACTION\tTARGET\tOUTCOME")
		for _, ev := range r.Audit {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", ev.Time.UTC().Format("2006-01-02 15:04:05"),
				cell(ev.Actor), cell(ev.Action), cell(ev.Target), cell(ev.Outcome))
		}
	}
	w.Flush()
	if b.Len() > 0 {
		c.print(b.String())
	}
}

// Notify prints an operation's progress; it implements commands.Notifier.
// Once it printed an operation's final event it reports that to the
// attached Service, which then does not send it again after a restart.
func (c *Console) Notify(ctx context.Context, ev commands.Event) {
	c.println(EventLine(ev))
	if svc := c.svc; svc != nil && ev.Final() {
		if err := svc.Reported(ctx, ev.Op.ID); err != nil {
			c.cfg.Logger.Error("journal final event shown", "op", ev.Op.ID, "err", err)
		}
	}
}

// EventLine describes an event in one line of plain text.
func EventLine(ev commands.Event) string {
	name := ev.Op.Instance
	if name == "" && ev.Snapshot != nil {
		name = "snapshot " + ev.Snapshot.ID
	}
	prefix := "[" + name + "] "
	if line, ok := sshLine(ev); ok {
		return prefix + line
	}
	in := ev.Instance
	switch ev.Kind {
	case commands.EventAccepted:
		if in != nil && ev.Op.Kind == "up" {
			return prefix + fmt.Sprintf("requested by %s: %s · %s · %s · %s", person(ev.Op.Owner), orDash(in.Size), orDash(in.Region), ev.ProviderLabel, price(in.PriceHourly))
		}
		return prefix + fmt.Sprintf("%s requested by %s", ev.Op.Kind, person(ev.Op.Owner))
	case commands.EventAwaitingApproval:
		return prefix + "waiting for an approver"
	case commands.EventApproved:
		return prefix + fmt.Sprintf("approved by %s", person(ev.Actor))
	case commands.EventApprovalRefused:
		return prefix + fmt.Sprintf("%s pressed Approve, but: %s; still waiting for an approver", person(ev.Actor), ev.Detail)
	case commands.EventDenied, commands.EventApprovalExpired:
		return prefix + "not created: " + ev.Detail
	case commands.EventCreating:
		return prefix + "creating on " + ev.ProviderLabel
	case commands.EventCreated:
		if ev.Address != "" {
			return prefix + "created, booting at " + ev.Address
		}
		return prefix + "created, waiting for an IP address"
	case commands.EventReady:
		return prefix + fmt.Sprintf("ready: %s — ssh dev@%s — lease until %s", in.IP, in.IP, in.LeaseExpiry.UTC().Format("Mon 15:04 MST"))
	case commands.EventSnapshotting:
		return prefix + "taking a snapshot"
	case commands.EventSnapshotCreated:
		return prefix + fmt.Sprintf("snapshot %s saved (%s)", ev.Snapshot.ID, ev.Snapshot.Name)
	case commands.EventSnapshotDeleted:
		return prefix + "deleted"
	case commands.EventDestroying:
		return prefix + "destroying"
	case commands.EventDestroyed:
		return prefix + fmt.Sprintf("destroyed by %s", person(ev.Actor))
	case commands.EventFailed:
		return prefix + "failed: " + ev.Detail
	case commands.EventIdleWarning, commands.EventIdleCancelled, commands.EventIdleKept, commands.EventIdleDestroyed:
		return prefix + ev.Detail // idle checks
	case commands.EventRetrying:
		return prefix + orElse(ev.Detail, "the cloud is slow to answer, still trying.")
	case commands.EventBootTimeout:
		return prefix + orElse(ev.Detail, "not ready by the boot deadline; destroyed so that it does not bill.")
	}
	return prefix + string(ev.Kind)
}

// orElse returns s, or def when s is empty.
func orElse(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// person names a user in the console: "@" and their id, which in the
// console is their name.
func person[T ~string](id T) string {
	if id == "" {
		return "someone"
	}
	return "@" + string(id)
}

func price(p float64) string {
	if p == 0 {
		return "-"
	}
	return fmt.Sprintf("$%.4g/h", p)
}

func memory(mb int) string {
	if mb >= 1024 && mb%1024 == 0 {
		return fmt.Sprintf("%d GB", mb/1024)
	}
	return fmt.Sprintf("%d MB", mb)
}

func leaseLeft(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	return d.Round(time.Minute).String()
}

// cell makes s one table cell: "-" when empty, with tabs and line breaks
// (an error text may hold them) turned into spaces.
func cell(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return orDash(s)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
