package commands

import (
	"context"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// EventKind names a step in an operation's life that a front end shows.
type EventKind string

// Event kinds, in the order an operation usually meets them.
const (
	EventAccepted         EventKind = "accepted"
	EventAwaitingApproval EventKind = "awaiting-approval"
	EventApproved         EventKind = "approved"
	EventDenied           EventKind = "denied"
	EventApprovalExpired  EventKind = "approval-expired"
	EventCreating         EventKind = "creating"
	EventCreated          EventKind = "created" // the cloud accepted it; waiting for an IP
	EventReady            EventKind = "ready"
	EventSnapshotting     EventKind = "snapshotting"
	EventSnapshotCreated  EventKind = "snapshot-created"
	EventSnapshotDeleted  EventKind = "snapshot-deleted"
	EventDestroying       EventKind = "destroying"
	EventDestroyed        EventKind = "destroyed"
	EventFailed           EventKind = "failed"
)

// Event is progress of one operation, as plain data: front ends render it.
type Event struct {
	Kind EventKind
	// Op is the operation as journaled when the event happened, with its
	// thread (Channel, ThreadTS) if the front end attached one. The event
	// is the operation's last when Op.State is final.
	Op store.Operation
	// Instance is the instance the operation concerns, when there is one.
	Instance *store.Instance
	Snapshot *providers.Snapshot
	// Actor is who caused the event when it is not the owner (an approver,
	// an admin who destroyed someone's VM).
	Actor string
	// ProviderLabel is the provider's display name, e.g. "DigitalOcean".
	ProviderLabel string
	// Approval is set for approval events.
	Approval *store.Approval
	// Detail is a sentence for people: a failure explained, a step noted.
	Detail string
	// Ref is the log reference of an unexpected failure, empty otherwise.
	Ref string
	// Estimated reports whether the price is an estimate.
	Estimated bool
}

// Notifier receives events. The Slack bot posts them to threads; the
// console prints them. Notify must not block for long and must be safe for
// concurrent use.
type Notifier interface {
	Notify(ctx context.Context, ev Event)
}

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, ev Event)

// Notify calls f.
func (f NotifierFunc) Notify(ctx context.Context, ev Event) { f(ctx, ev) }
