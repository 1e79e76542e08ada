package config

import "time"

// Store says how long the store keeps what is finished.
type Store struct {
	// JournalRetention is how long a finished operation stays in the
	// journal before the leader removes it (the audit log keeps the
	// history). 0: kept for good. Default 30 days.
	JournalRetention time.Duration
	// AuditRetention is how long an audit event is kept. 0: kept for
	// good. Default 365 days.
	AuditRetention time.Duration
}

// Default retentions.
const (
	DefaultJournalRetention = 30 * 24 * time.Hour
	DefaultAuditRetention   = 365 * 24 * time.Hour
)

// minRetention is the shortest retention allowed: a finished operation
// is still needed for a day, to recognise a redelivered request and to
// show its end again after a restart.
const minRetention = 24 * time.Hour

// store checks the retentions.
func (v *validator) store() {
	for _, r := range []struct {
		path string
		d    time.Duration
	}{
		{"store.journal_retention", v.c.Store.JournalRetention},
		{"store.audit_retention", v.c.Store.AuditRetention},
	} {
		if r.d != 0 && r.d < minRetention {
			v.add(r.path, "%s is too short (0: keep for good, or at least 1d; example: 30d)", fmtDuration(r.d))
		}
	}
}
