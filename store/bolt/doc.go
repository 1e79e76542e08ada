// Package bolt keeps spuffbot's durable state (the records of package
// store) in one bbolt file.
//
// DB is the embedded implementation of store.Store, one bbolt file that
// one spuffbot process holds at a time. Records are stored as JSON, one
// bucket per kind, with index buckets for the questions asked often (a
// person's instances, the instance behind a cloud id, the operation behind
// an idempotency key, audit events since a time), so that those answers do
// not scan everything.
// The instances are kept in memory as well: Open loads them, a write changes
// that copy only once it has committed, and the questions about instances
// are answered from memory, so that listing thousands of them costs a copy,
// not a decoding of each record. Every method takes a context first, as a
// networked backend will need it.
//
// Missing records are reported with errors wrapping store.ErrNotFound,
// duplicates with store.ErrExists; test them with errors.Is.
package bolt
