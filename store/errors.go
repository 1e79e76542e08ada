package store

import "errors"

var (
	// ErrNotFound is wrapped by errors for a record that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists is wrapped by errors for a record that may not be written
	// because one with the same identity is already there.
	ErrExists = errors.New("already exists")
	// ErrInUse is wrapped by the error an embedded store's Open returns
	// when another process holds the database file.
	ErrInUse = errors.New("in use by another spuffbot process")
	// ErrQuota is wrapped by Accept's error when the owner already has as
	// many live instances as Acceptance.MaxLive allows.
	ErrQuota = errors.New("quota reached")
)
