package commands

import (
	"context"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// Store is what the Service needs from the database. *bolt.DB and
// *etcdstore.Store implement it.
type Store interface {
	CreateInstance(ctx context.Context, in store.Instance) error
	GetInstance(ctx context.Context, name string) (*store.Instance, error)
	UpdateInstance(ctx context.Context, name string, fn func(*store.Instance) error) (*store.Instance, error)
	ListInstances(ctx context.Context, f store.InstanceFilter) ([]store.Instance, error)

	Accept(ctx context.Context, a store.Acceptance) (store.Operation, bool, error)
	CreateOperation(ctx context.Context, op store.Operation) (store.Operation, bool, error)
	GetOperation(ctx context.Context, id string) (*store.Operation, error)
	UpdateOperation(ctx context.Context, id string, fn func(*store.Operation) error) (*store.Operation, error)
	ListOperations(ctx context.Context, unfinishedOnly bool) ([]store.Operation, error)
	FindOperationByKey(ctx context.Context, key string) (*store.Operation, error)
	ListEndedOperations(ctx context.Context, since time.Time) ([]store.Operation, error)
	PruneOperations(ctx context.Context, before time.Time, limit int, keep func(*store.Operation) bool) (int, bool, error)

	RecordClick(ctx context.Context, c store.Click) (store.Click, bool, error)
	GetClick(ctx context.Context, key string) (*store.Click, error)
	PruneClicks(ctx context.Context, before time.Time, limit int) (int, bool, error)

	PutApproval(ctx context.Context, a store.Approval) error
	GetApproval(ctx context.Context, opID string) (*store.Approval, error)
	UpdateApproval(ctx context.Context, opID string, fn func(*store.Approval) error) (*store.Approval, error)
	ListApprovals(ctx context.Context, pendingOnly bool) ([]store.Approval, error)

	AddKey(ctx context.Context, k store.SSHKey) error
	ListKeys(ctx context.Context, owner string) ([]store.SSHKey, error)
	RemoveKey(ctx context.Context, owner, fingerprint string) error

	Audit(ctx context.Context, e store.AuditEvent) error
	ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error)
	PruneAudit(ctx context.Context, before time.Time, limit int) (int, bool, error)
}
