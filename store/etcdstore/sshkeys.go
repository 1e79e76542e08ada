package etcdstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// sshKeys are stored under their owner, so that one owner's keys are one
// range.
var sshKeys = &table[store.SSHKey]{
	kind: "ssh key",
	key:  func(l layout, k *store.SSHKey) string { return l.sshKey(k.Owner, k.Fingerprint) },
}

// AddKey stores k for k.Owner. It fails with store.ErrExists when the
// owner already has a key with that fingerprint. A zero Added is set to
// now.
func (s *Store) AddKey(ctx context.Context, k store.SSHKey) error {
	if k.Owner == "" || k.Fingerprint == "" {
		return errors.New("etcdstore: add ssh key: owner and fingerprint are required")
	}
	if k.Added.IsZero() {
		k.Added = s.now()
	}
	err := func() error {
		if err := s.usable(ctx); err != nil {
			return err
		}
		ops, err := sshKeys.writes(s.keys, nil, &k)
		if err != nil {
			return err
		}
		key := sshKeys.key(s.keys, &k)
		resp, err := s.client.Txn(ctx).
			If(etcdhttp.Compare(etcdhttp.CreateRevision(key), "=", 0)).
			Then(ops...).
			Commit()
		if err == nil && !resp.Succeeded {
			err = store.ErrExists
		}
		return err
	}()
	if err != nil {
		return fmt.Errorf("etcdstore: add ssh key %s of %s: %w", k.Fingerprint, k.Owner, err)
	}
	return nil
}

// ListKeys returns owner's keys, ordered by Added, then Fingerprint.
func (s *Store) ListKeys(ctx context.Context, owner string) ([]store.SSHKey, error) {
	out, err := sshKeys.list(ctx, s, s.keys.dir("ssh_keys", owner), nil)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list ssh keys of %s: %w", owner, err)
	}
	slices.SortFunc(out, func(a, b store.SSHKey) int {
		return cmp.Or(a.Added.Compare(b.Added), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	return out, nil
}

// RemoveKey deletes owner's key with fingerprint, or fails with an error
// wrapping store.ErrNotFound.
func (s *Store) RemoveKey(ctx context.Context, owner, fingerprint string) error {
	err := func() error {
		if err := s.usable(ctx); err != nil {
			return err
		}
		resp, err := s.client.Delete(ctx, s.keys.sshKey(owner, fingerprint))
		if err == nil && resp.Deleted == 0 {
			err = store.ErrNotFound
		}
		return err
	}()
	if err != nil {
		return fmt.Errorf("etcdstore: remove ssh key %s of %s: %w", fingerprint, owner, err)
	}
	return nil
}
