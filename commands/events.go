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
	// EventApprovalRefused: an approver (Actor) pressed Approve, and the
	// checks of up, run again at that moment, refused the request (Detail,
	// DetailText). The request keeps waiting for an approver.
	EventApprovalRefused EventKind = "approval-refused"
	EventCreating        EventKind = "creating"
	EventCreated         EventKind = "created" // the cloud accepted it; waiting for an IP
	EventReady           EventKind = "ready"
	EventSnapshotting    EventKind = "snapshotting"
	EventSnapshotCreated EventKind = "snapshot-created"
	EventSnapshotDeleted EventKind = "snapshot-deleted"
	EventDestroying      EventKind = "destroying"
	EventDestroyed       EventKind = "destroyed"
	EventFailed          EventKind = "failed"
)

// Event kinds of an instance's lease and of the reconciler. They concern
// an instance rather than a command someone typed.
const (
	// EventLeaseWarning: the lease of Instance ends within
	// Config.WarnBefore. The front end tells the owner, with the buttons
	// of LeaseAction (see Service.Lease). Sent once per lease: an
	// extension starts a new one.
	EventLeaseWarning EventKind = "lease-warning"
	// EventExtended: a lease button extended Instance's lease (Actor
	// clicked it); Op is the instance's up operation, as for
	// EventLeaseWarning.
	EventExtended EventKind = "extended"
	// EventExpired: Instance was destroyed because its lease ended. It is
	// the last event of the down operation Reap journals (Actor is
	// SystemActor) and takes the place of EventDestroyed.
	EventExpired EventKind = "expired"
	// EventDestroyedOutside: Instance, recorded as running, is gone at its
	// cloud; someone destroyed it there. The store now says destroyed.
	EventDestroyedOutside EventKind = "destroyed-outside"
	// EventOrphan: a VM with spuff's labels that spuffbot does not track
	// (Orphan). The front end shows it to the admins with the buttons of
	// Service.AdoptOrphan and Service.DestroyOrphan. Sent once per VM per
	// process.
	EventOrphan EventKind = "orphan"
	// EventOrphanAdopted: an admin (Actor) gave Orphan an owner; Instance
	// is its new record.
	EventOrphanAdopted EventKind = "orphan-adopted"
	// EventOrphanDestroyed: Orphan was destroyed, by an admin (Actor) or,
	// past Config.OrphanGrace, by spuffbot (Actor is SystemActor).
	EventOrphanDestroyed EventKind = "orphan-destroyed"
)

// SystemActor is the Actor of what spuffbot does by itself: destroying an
// instance whose lease ended, or an orphan past its grace. It is also the
// owner (the one who asked) of the down operations it journals for that.
const SystemActor = "spuffbot"

// Event is progress of one operation, as plain data: front ends render it.
type Event struct {
	Kind EventKind
	// Op is the operation as journaled when the event happened, with its
	// thread (Channel, ThreadTS) if the front end attached one. The event
	// is the operation's last when Op.State is final.
	//
	// For EventLeaseWarning, EventExtended and EventDestroyedOutside,
	// which no operation causes, Op is the instance's up operation (made
	// up from the instance when there is none, as for an adopted orphan),
	// with the instance's thread. For the orphan events only Op.Provider is set.
	Op store.Operation
	// Instance is the instance the operation concerns, when there is one.
	Instance *store.Instance
	Snapshot *providers.Snapshot
	// Actor is who caused the event when it is not the owner (an approver,
	// an admin who destroyed someone's VM).
	Actor UserID
	// ProviderLabel is the provider's display name, e.g. "DigitalOcean".
	ProviderLabel string
	// Approval is set for approval events.
	Approval *store.Approval
	// Detail is a sentence for people: a failure explained, a step noted.
	Detail string
	// DetailText, when set, is Detail with the users and channels it
	// names kept as ids (see Text).
	DetailText Text
	// Ref is the log reference of an unexpected failure, empty otherwise.
	Ref string
	// Estimated reports whether the price is an estimate.
	Estimated bool
	// Orphan is set for the orphan events.
	Orphan *Orphan
	// SSH is set for the ssh probe's events (EventSSHAnswering,
	// EventSSHSilent).
	SSH *SSHAnswer
	// Address is set for EventCreated when the cloud assigned the VM's
	// public address in its answer to the create (Hetzner does), before
	// the VM is ready: people can prepare their ssh configuration while
	// it boots. EventReady hands it over when it answers.
	Address string
	// Replay reports a final event sent again by Service.Resume, rebuilt
	// from the journal, because no front end reported showing it
	// (Service.Reported) before a restart. It may have been shown in
	// part: a front end shows what is missing and repeats nothing.
	Replay bool
}

// endKinds are the events that end an operation.
var endKinds = map[EventKind]bool{
	EventReady: true, EventDestroyed: true, EventExpired: true, EventSnapshotCreated: true,
	EventSnapshotDeleted: true, EventFailed: true, EventDenied: true, EventApprovalExpired: true,
}

// Final reports whether ev is the last event of its operation, the one a
// front end confirms with Service.Reported once it has shown it. Events
// about the instance of a finished operation (a lease warning, the
// reconciler's news) are not.
func (ev Event) Final() bool {
	return ev.Orphan == nil && ev.Op.ID != "" && ev.Op.State.Final() && endKinds[ev.Kind]
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
