package store

import (
	"encoding/json"
	"time"
)

// InstanceStatus is what spuffbot believes about an instance.
type InstanceStatus string

// Instance states as the store records them.
const (
	InstanceCreating   InstanceStatus = "creating"
	InstanceReady      InstanceStatus = "ready"
	InstanceDestroying InstanceStatus = "destroying"
	InstanceDestroyed  InstanceStatus = "destroyed"
	InstanceFailed     InstanceStatus = "failed"
)

// Live reports whether an instance in this state may still exist at the
// cloud (and so may still cost money).
func (s InstanceStatus) Live() bool {
	return s == InstanceCreating || s == InstanceReady || s == InstanceDestroying
}

// Instance is a VM spuffbot created, with its owner. Name is unique among
// live instances.
type Instance struct {
	Name        string         `json:"name"`
	Provider    string         `json:"provider"`
	CloudID     string         `json:"cloud_id,omitempty"`
	Owner       string         `json:"owner"` // Slack user id
	Channel     string         `json:"channel,omitempty"`
	ThreadTS    string         `json:"thread_ts,omitempty"`
	Size        string         `json:"size"`
	Region      string         `json:"region"`
	Image       string         `json:"image,omitempty"`
	IP          string         `json:"ip,omitempty"`
	PriceHourly float64        `json:"price_hourly"`
	Created     time.Time      `json:"created"`
	LeaseExpiry time.Time      `json:"lease_expiry"`
	WarnedAt    time.Time      `json:"warned_at,omitzero"`
	Ended       time.Time      `json:"ended,omitzero"` // when it was destroyed or failed
	Status      InstanceStatus `json:"status"`
	OpID        string         `json:"op_id,omitempty"` // operation that created it
	Idle        Idle           `json:"idle,omitzero"`   // idle checks (idle.go)
}

// OpKind is the kind of an operation.
type OpKind string

// Operation kinds.
const (
	OpUp             OpKind = "up"
	OpDown           OpKind = "down"
	OpSnapshotCreate OpKind = "snapshot-create"
	OpSnapshotDelete OpKind = "snapshot-delete"
)

// OpState is where an operation is in its life. Only OpDone and OpFailed
// are final.
type OpState string

// Operation states.
const (
	OpAccepted         OpState = "accepted"
	OpAwaitingApproval OpState = "awaiting-approval"
	OpRunning          OpState = "running"
	OpDone             OpState = "done"
	OpFailed           OpState = "failed"
)

// Final reports whether the state is final.
func (s OpState) Final() bool { return s == OpDone || s == OpFailed }

// Operation is one accepted request, journaled before anything touches a
// cloud so that a crash can resume it.
type Operation struct {
	ID       string  `json:"id"`
	Key      string  `json:"key,omitempty"` // idempotency key, e.g. a Slack envelope id
	Kind     OpKind  `json:"kind"`
	State    OpState `json:"state"`
	Step     string  `json:"step,omitempty"` // last step reached, e.g. "created"
	Owner    string  `json:"owner"`
	Channel  string  `json:"channel,omitempty"`
	ThreadTS string  `json:"thread_ts,omitempty"` // root message of the progress thread
	Provider string  `json:"provider"`
	Instance string  `json:"instance,omitempty"` // instance name
	CloudID  string  `json:"cloud_id,omitempty"`
	// SnapshotID is the snapshot a snapshot operation made or deletes.
	SnapshotID string          `json:"snapshot_id,omitempty"`
	Request    json.RawMessage `json:"request,omitempty"`
	Error      string          `json:"error,omitempty"`
	Created    time.Time       `json:"created"`
	Updated    time.Time       `json:"updated"`
	// Ended is when the operation reached its final state; zero before,
	// and for operations journaled before the field existed.
	Ended time.Time `json:"ended,omitzero"`
	// Reported reports whether a front end has shown the operation's
	// final event. Until it has, a restart shows it again.
	Reported bool `json:"reported,omitempty"`
}

// ApprovalState is where an approval is.
type ApprovalState string

// Approval states.
const (
	ApprovalPending  ApprovalState = "pending"
	ApprovalApproved ApprovalState = "approved"
	ApprovalDenied   ApprovalState = "denied"
	ApprovalExpired  ApprovalState = "expired"
)

// Approval is a request waiting for, or having had, an approver's decision.
// Its ID is the operation id.
type Approval struct {
	OpID      string        `json:"op_id"`
	State     ApprovalState `json:"state"`
	Requester string        `json:"requester"`
	DecidedBy string        `json:"decided_by,omitempty"`
	DecidedAt time.Time     `json:"decided_at,omitzero"`
	Expires   time.Time     `json:"expires"`
	// Cards are the messages that carry the Approve/Deny buttons, as
	// "channel/ts" pairs, so that every copy can be updated.
	Cards   []string  `json:"cards,omitempty"`
	Created time.Time `json:"created"`
}

// SSHKey is a user's public key.
type SSHKey struct {
	Owner       string    `json:"owner"`
	Fingerprint string    `json:"fingerprint"` // SHA256:...
	Type        string    `json:"type"`
	Comment     string    `json:"comment,omitempty"`
	PublicKey   string    `json:"public_key"` // authorized_keys line
	Added       time.Time `json:"added"`
}

// AuditEvent is one line of the append-only audit log.
type AuditEvent struct {
	// Seq is the event's number, set by the store: unique, and increasing
	// in the order events were written. The embedded store counts 1, 2,
	// 3…; a store shared by replicas may skip numbers.
	Seq     uint64    `json:"seq"`
	Time    time.Time `json:"time"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"` // e.g. "up", "down", "approve"
	Target  string    `json:"target,omitempty"`
	Outcome string    `json:"outcome"` // "ok", "refused", "failed: ..."
	OpID    string    `json:"op_id,omitempty"`
}
