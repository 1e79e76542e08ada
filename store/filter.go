package store

// InstanceFilter selects instances for ListInstances. Its zero value
// selects every instance.
type InstanceFilter struct {
	Owner    string // only this owner's; empty means everyone's
	LiveOnly bool   // only those whose Status is Live
	Provider string // only this provider's; empty means every provider
}

// Keeps reports whether f selects inst, its owner aside: a store answers
// the owner through its owner index before it asks.
func (f InstanceFilter) Keeps(inst *Instance) bool {
	return (!f.LiveOnly || inst.Status.Live()) && (f.Provider == "" || inst.Provider == f.Provider)
}

// Acceptance is one accepted request, journaled by Accept in a single
// transaction.
type Acceptance struct {
	// Op is the operation to journal; ID is required. A Key seen before
	// makes Accept return the earlier operation and write nothing.
	Op Operation
	// Reserve, when set, is a new instance recorded with the operation. Its
	// name must not belong to a live instance (ErrExists).
	Reserve *Instance
	// MaxLive, when positive, refuses with ErrQuota if Reserve's owner has
	// MaxLive live instances already.
	MaxLive int
	// Audit, when set, is appended to the audit log.
	Audit *AuditEvent
}
