package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// errClosed is returned for requests made after Close, or after the
// client was closed.
var errClosed = errors.New("store is closed")

// releaseTimeout bounds the calls that give a claim or the lease back;
// when they fail, the lease's expiry does the same a little later.
const releaseTimeout = 2 * time.Second

// replicaSession returns the replica's session, starting one if there is
// none yet or if the last one ended: its lease expired, or could not be
// renewed for LeaseTTL. Claims and leadership held under an ended session
// are gone.
func (s *Store) replicaSession(ctx context.Context) (*etcdhttp.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.client.Ctx().Err() != nil {
		return nil, errClosed
	}
	if s.session != nil {
		select {
		case <-s.session.Done():
			s.session = nil
		default:
			return s.session, nil
		}
	}
	// Granted here rather than by NewSession, so that ctx bounds it; the
	// session renews the lease for as long as the client is open.
	lease, err := s.client.Grant(ctx, int64(s.ttl))
	if err != nil {
		return nil, fmt.Errorf("grant lease: %w", err)
	}
	sess, err := etcdhttp.NewSession(s.client, lease.ID, time.Duration(s.ttl)*time.Second)
	if err != nil {
		return nil, fmt.Errorf("keep lease alive: %w", err)
	}
	s.session = sess
	return sess, nil
}

// endSession stops renewing the replica's lease and revokes it, so that
// its claims and leadership are free at once. Claim and Lead fail
// afterwards.
func (s *Store) endSession() {
	s.mu.Lock()
	sess := s.session
	s.session, s.closed = nil, true
	s.mu.Unlock()
	if sess == nil {
		return
	}
	sess.Orphan()
	if s.client.Ctx().Err() != nil {
		return // the connection is closed: the lease can only expire
	}
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	_ = s.client.Revoke(ctx, sess.Lease()) // unrevoked, it expires
}

// Claim marks operation opID as run by this replica, so that no other
// replica runs it at the same time; ok is false when another replica
// holds it. The claim is a key under the replica's lease, created only if
// absent (a compare-and-swap on its create revision): when the replica
// dies, the lease expires after Config.LeaseTTL, the key goes with it and
// another replica may claim the operation and resume it from the journal.
// A claim this replica holds already is granted again.
//
// release gives the claim back; it may be called more than once, and
// never removes a claim that another replica has taken since this one's
// lease ended.
func (s *Store) Claim(ctx context.Context, opID string) (release func(), ok bool, err error) {
	sess, err := s.replicaSession(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("etcdstore: claim %q: %w", opID, err)
	}
	key, lease := s.keys.claim(opID), sess.Lease()
	resp, err := s.client.Txn(ctx).
		If(etcdhttp.Compare(etcdhttp.CreateRevision(key), "=", 0)).
		Then(etcdhttp.OpPut(key, s.id, etcdhttp.WithLease(lease))).
		Else(etcdhttp.OpGet(key)).
		Commit()
	if err != nil {
		return nil, false, fmt.Errorf("etcdstore: claim %q: %w", opID, err)
	}
	if !resp.Succeeded {
		kvs := resp.Responses[0].GetResponseRange().Kvs
		if len(kvs) == 0 || kvs[0].Lease != lease {
			return nil, false, nil
		}
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
			defer cancel()
			_, _ = s.client.Txn(ctx).
				If(etcdhttp.Compare(etcdhttp.LeaseValue(key), "=", lease)).
				Then(etcdhttp.OpDelete(key)).
				Commit()
		})
	}
	return release, true, nil
}

// Fence returns a channel that is closed when the replica's lease ends,
// and with it every claim Claim takes from now on: once the replica could
// not renew it for Config.LeaseTTL, another replica may claim what it
// runs, so it must stop.
func (s *Store) Fence(ctx context.Context) (<-chan struct{}, error) {
	sess, err := s.replicaSession(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: fence: %w", err)
	}
	return sess.Done(), nil
}

// Holder returns the ID (Config.ID) of the replica that holds the claim on
// operation opID, or "" when no replica does.
func (s *Store) Holder(ctx context.Context, opID string) (string, error) {
	resp, err := s.get(ctx, s.keys.claim(opID))
	if err != nil {
		return "", fmt.Errorf("etcdstore: holder of %q: %w", opID, err)
	}
	if len(resp.Kvs) == 0 {
		return "", nil
	}
	return string(resp.Kvs[0].Value), nil
}
