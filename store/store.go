package store

import (
	"context"
	"time"
)

// Store is every method of a spuffbot store, opening and closing aside:
// the embedded one (store/bolt) and the shared one (store/etcdstore) both
// have them, with the meaning written here and checked by store/storetest.
// A user of a store declares the smaller interface it needs.
//
// The hot questions are answered through indexes, never by reading every
// record: ListOperations(ctx, true) reads the open operations only,
// FindOperationByKey the one operation behind a key, ListEndedOperations
// those that ended since a time, GetClick the click behind a key.
// RecordClick writes a click unless one with its key exists (first
// wins), and returns the click that holds the key with whether it is the
// new one. PruneOperations, PruneClicks and PruneAudit remove what is
// older than the retention, a small batch per call, so that no
// call holds the store for long; a caller repeats them
// while they report more.
type Store interface {
	CreateInstance(ctx context.Context, inst Instance) error
	PutInstance(ctx context.Context, inst Instance) error
	GetInstance(ctx context.Context, name string) (*Instance, error)
	UpdateInstance(ctx context.Context, name string, fn func(*Instance) error) (*Instance, error)
	ListInstances(ctx context.Context, f InstanceFilter) ([]Instance, error)
	FindInstanceByCloudID(ctx context.Context, provider, cloudID string) (*Instance, error)

	Accept(ctx context.Context, a Acceptance) (Operation, bool, error)
	CreateOperation(ctx context.Context, op Operation) (Operation, bool, error)
	GetOperation(ctx context.Context, id string) (*Operation, error)
	UpdateOperation(ctx context.Context, id string, fn func(*Operation) error) (*Operation, error)
	ListOperations(ctx context.Context, unfinishedOnly bool) ([]Operation, error)
	FindOperationByKey(ctx context.Context, key string) (*Operation, error)
	ListEndedOperations(ctx context.Context, since time.Time) ([]Operation, error)
	PruneOperations(ctx context.Context, before time.Time, limit int, keep func(*Operation) bool) (removed int, more bool, err error)

	RecordClick(ctx context.Context, c Click) (Click, bool, error)
	GetClick(ctx context.Context, key string) (*Click, error)
	PruneClicks(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error)

	PutApproval(ctx context.Context, a Approval) error
	GetApproval(ctx context.Context, opID string) (*Approval, error)
	UpdateApproval(ctx context.Context, opID string, fn func(*Approval) error) (*Approval, error)
	ListApprovals(ctx context.Context, pendingOnly bool) ([]Approval, error)

	AddKey(ctx context.Context, k SSHKey) error
	ListKeys(ctx context.Context, owner string) ([]SSHKey, error)
	RemoveKey(ctx context.Context, owner, fingerprint string) error

	Audit(ctx context.Context, ev AuditEvent) error
	ListAudit(ctx context.Context, since time.Time, limit int) ([]AuditEvent, error)
	PruneAudit(ctx context.Context, before time.Time, limit int) (removed int, more bool, err error)
}
