package bolt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

// sshKeys are stored under lp(owner) fingerprint, so that one owner's keys
// are neighbours.
var sshKeys = &table[store.SSHKey]{
	kind:   "ssh key",
	bucket: bucketSSHKeys,
	key:    func(k *store.SSHKey) []byte { return sshKeyID(k.Owner, k.Fingerprint) },
}

func sshKeyID(owner, fingerprint string) []byte { return append(lp(nil, owner), fingerprint...) }

// AddKey stores k for k.Owner. It fails with ErrExists when the owner
// already has a key with that fingerprint. A zero Added is set to now.
func (db *DB) AddKey(ctx context.Context, k store.SSHKey) error {
	if k.Owner == "" || k.Fingerprint == "" {
		return errors.New("store: add ssh key: owner and fingerprint are required")
	}
	if k.Added.IsZero() {
		k.Added = db.now()
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		old, err := sshKeys.get(tx, sshKeyID(k.Owner, k.Fingerprint))
		if err != nil {
			return err
		}
		if old != nil {
			return store.ErrExists
		}
		return sshKeys.put(tx, nil, &k)
	})
	if err != nil {
		return fmt.Errorf("store: add ssh key %s of %s: %w", k.Fingerprint, k.Owner, err)
	}
	return nil
}

// ListKeys returns owner's keys, ordered by Added, then Fingerprint.
func (db *DB) ListKeys(ctx context.Context, owner string) ([]store.SSHKey, error) {
	var out []store.SSHKey
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		out, err = sshKeys.list(tx, lp(nil, owner), nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: list ssh keys of %s: %w", owner, err)
	}
	slices.SortFunc(out, func(a, b store.SSHKey) int {
		return cmp.Or(a.Added.Compare(b.Added), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	return out, nil
}

// RemoveKey deletes owner's key with fingerprint, or fails with an error
// wrapping ErrNotFound.
func (db *DB) RemoveKey(ctx context.Context, owner, fingerprint string) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		b, id := tx.Bucket(bucketSSHKeys), sshKeyID(owner, fingerprint)
		if b.Get(id) == nil {
			return store.ErrNotFound
		}
		return b.Delete(id)
	})
	if err != nil {
		return fmt.Errorf("store: remove ssh key %s of %s: %w", fingerprint, owner, err)
	}
	return nil
}
