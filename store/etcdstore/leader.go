package etcdstore

import (
	"context"
	"fmt"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// Lead campaigns, in an election among the replicas that share the
// prefix (held by etcd's own election service, under the replica's
// lease), and blocks until this replica is the leader or ctx ends. The leader's key
// goes with its lease: when the leader dies, the next replica in line is
// elected once the lease expires, after Config.LeaseTTL.
//
// lost is closed when the leadership ends: the lease expired or could not
// be renewed for LeaseTTL (the replica lost etcd), or ctx ended, in which
// case Lead resigns first so that the next replica is elected at once.
func (s *Store) Lead(ctx context.Context) (lost <-chan struct{}, err error) {
	sess, err := s.replicaSession(ctx)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: campaign: %w", err)
	}
	e := etcdhttp.NewElection(sess, s.keys.election())
	// Stop campaigning if the lease ends meanwhile: the campaign's key is
	// gone with it, and winning would mean nothing.
	cctx, cancel := context.WithCancel(ctx)
	go func() {
		select {
		case <-sess.Done():
			cancel()
		case <-cctx.Done():
		}
	}()
	if err := e.Campaign(cctx, s.id); err != nil {
		cancel()
		return nil, fmt.Errorf("etcdstore: campaign: %w", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer cancel()
		select {
		case <-sess.Done():
		case <-ctx.Done():
			rctx, rcancel := context.WithTimeout(context.Background(), releaseTimeout)
			defer rcancel()
			_ = e.Resign(rctx) // unresigned, the key goes with the lease
		}
	}()
	return done, nil
}

// Leader returns the ID (Config.ID) of the replica that leads, or "" when
// none does.
func (s *Store) Leader(ctx context.Context) (string, error) {
	resp, err := s.get(ctx, s.keys.election(), etcdhttp.WithFirstCreate()...)
	if err != nil {
		return "", fmt.Errorf("etcdstore: leader: %w", err)
	}
	if len(resp.Kvs) == 0 {
		return "", nil
	}
	return string(resp.Kvs[0].Value), nil
}
