package commands

// Event kinds of the idle checks (CheckIdle). Like the lease's, they
// concern an instance rather than a command; Op is the instance's up
// operation, with its thread, and Instance.Idle holds the figures.
const (
	// EventIdleWarning: Instance looks forgotten. The front end asks its
	// owner, with the buttons of IdleAction (see Service.Idle), showing
	// Instance.Idle.Evidence and Instance.Idle.Deadline. Sent once per
	// warning, again only if a crash came before it was recorded as sent.
	EventIdleWarning EventKind = "idle-warning"
	// EventIdleCancelled: a warned Instance is in use again; the warning
	// no longer holds.
	EventIdleCancelled EventKind = "idle-cancelled"
	// EventIdleKept: the owner or an admin (Actor) kept Instance; the
	// checks are suspended until Instance.Idle.KeepUntil.
	EventIdleKept EventKind = "idle-kept"
	// EventIdleDestroyed: Instance was destroyed because it stayed idle
	// and nobody answered the warning. It follows the down operation's
	// own last event; Op is that operation and Detail gives the evidence
	// and the money saved (IdleSaved).
	EventIdleDestroyed EventKind = "idle-destroyed"
)
