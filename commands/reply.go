package commands

import (
	"context"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// Reply is the immediate answer to a command, as plain data. Front ends
// render it; exactly which fields are set depends on the command.
type Reply struct {
	// Text is a plain sentence for the caller (backticks mark commands).
	Text string
	// Op is the operation Handle journaled; the front end attaches a thread
	// to it and calls Run.
	Op *store.Operation
	// Warnings are things the caller should know although the command
	// went through, e.g. that they have no SSH key to log in with.
	Warnings []string
	// Duplicate reports whether the key was seen before: Op is the earlier
	// operation, and nothing new was started.
	Duplicate bool
	// Answered, for a button pressed on a card answered before (see
	// Service.Lease), says who answered it and how.
	Answered *Answered
	// Instances answers list and status.
	Instances []InstanceView
	// Sizes answers sizes.
	Sizes *SizesView
	// Keys answers key list.
	Keys []store.SSHKey
	// Snapshots answers snapshot list.
	Snapshots []SnapshotView
	// Audit answers audit: the latest events of the audit log, newest last.
	Audit []store.AuditEvent
	// Followup, when set, finishes a query that needs a cloud call; the
	// front end calls it after acknowledging and shows its Reply.
	Followup func(ctx context.Context) (Reply, error)
}

// InstanceView is an instance as a person sees it in a list.
type InstanceView struct {
	store.Instance
	ProviderLabel string
	// LeaseLeft is the time until the lease ends (negative once expired).
	LeaseLeft time.Duration
	// SpendToDate is PriceHourly times the hours since creation, in USD.
	SpendToDate float64
}

// SizesView is a provider's catalog for the sizes command.
type SizesView struct {
	Provider      string
	ProviderLabel string
	Sizes         []providers.Size
	Regions       []providers.Region
	Estimated     bool
	DefaultSize   string
	DefaultRegion string
}

// SnapshotView is a snapshot with its storage cost.
type SnapshotView struct {
	providers.Snapshot
	Provider string
	// Owner is who made the snapshot through spuffbot; empty when
	// nobody knows (made before owners were recorded and unlabelled).
	Owner UserID
	// MonthlyCost is USD per month for storage, zero when unknown.
	MonthlyCost float64
}

func (s *Service) view(in store.Instance) InstanceView {
	now := s.cfg.Now()
	v := InstanceView{Instance: in, ProviderLabel: Label(in.Provider)}
	if !in.LeaseExpiry.IsZero() {
		v.LeaseLeft = in.LeaseExpiry.Sub(now)
	}
	if in.Status.Live() && !in.Created.IsZero() {
		v.SpendToDate = in.PriceHourly * now.Sub(in.Created).Hours()
	}
	return v
}
