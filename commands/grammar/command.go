// Package grammar is the /spuff command language: Parse turns a line a
// person typed into a Command (verb, sub-command, flags, durations), Help
// and Usage write its help, and every mistake is an *Error with the
// closest valid form as hint (did-you-mean). It does no I/O and knows
// nothing of the Service, the store or any chat: the front ends parse,
// and the Service in package commands runs what was parsed.
package grammar

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
