// Package commands is spuffbot's domain: the /spuff grammar (Parse), the
// policy, and the Service that runs every command for a caller, journals
// operations, reports progress through a Notifier and resumes unfinished
// work after a crash. It imports no chat library: the Slack bot and the
// terminal console are both front ends of the same Service, built over it
// and then subscribed to its events (Service.Subscribe). Service.Background
// is the one place periodic work runs (reconciler, lease reaper, approval
// expiry), on the replica a shared store elects.
package commands

import "time"

// Verb is a top-level /spuff command.
type Verb string

// Verbs of the grammar.
const (
	VerbUp       Verb = "up"
	VerbDown     Verb = "down"
	VerbList     Verb = "list"
	VerbStatus   Verb = "status"
	VerbSnapshot Verb = "snapshot"
	VerbExtend   Verb = "extend"
	VerbKeep     Verb = "keep" // idle checks off for a while (parse_keep.go)
	VerbKey      Verb = "key"
	VerbSizes    Verb = "sizes"
	VerbAudit    Verb = "audit"
	VerbHelp     Verb = "help"
)

// Command is one parsed /spuff line. Only the fields of its Verb (and Sub,
// for snapshot and key) are set.
type Command struct {
	Verb Verb
	// Sub is the sub-command of snapshot (create, list, delete) and key
	// (add, list, remove).
	Sub string

	Name     string        // up (optional), down, status, snapshot create, extend
	Size     string        // up --size
	Region   string        // up --region
	Provider string        // up --provider, sizes --provider
	Image    string        // up --image, e.g. "ubuntu-24.04", "debian-12", or a cloud image id
	Snapshot string        // up --snapshot (id or name)
	TTL      time.Duration // up --ttl; extend <duration>
	// WithSnapshot is down --snapshot: snapshot before destroying.
	WithSnapshot bool
	All          bool   // list --all, snapshot list --all
	Label        string // snapshot create <name> [label]
	ID           string // snapshot delete <id>
	Key          string // key add <public key> (the rest of the line)
	Fingerprint  string // key remove <fingerprint>
	Topic        string // help [command]
	// Count is how many of the latest events audit shows: 1 to 200, and 20
	// when the line gives none.
	Count int
	// KeepLease is keep <name> lease: no idle checks until the lease ends.
	KeepLease bool
}

// UsageError is an error a person made in a command. Its text is shown to
// them verbatim; Hint, when set, is the closest valid form.
type UsageError struct {
	Msg  string
	Hint string
	// MsgText and HintText, when set, are Msg and Hint with the users and
	// channels they name kept as ids (see Text); Msg and Hint are then
	// their plain forms.
	MsgText, HintText Text
}

func (e *UsageError) Error() string {
	if e.Hint == "" {
		return e.Msg
	}
	return e.Msg + " — " + e.Hint
}
