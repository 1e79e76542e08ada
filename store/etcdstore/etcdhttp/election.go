package etcdhttp

import (
	"context"
	"errors"
	"sync"
)

// Election is a campaign, under a session's lease, in the election etcd
// holds among the keys under a prefix: the candidate whose key is oldest
// leads. etcd runs the election itself (its v3election service).
type Election struct {
	s    *Session
	name string

	mu     sync.Mutex
	leader *wireLeaderKey // this candidate's key once elected
}

// NewElection returns a campaign in the election named pfx, under s's
// lease.
func NewElection(s *Session, pfx string) *Election { return &Election{s: s, name: pfx} }

// Campaign puts the candidate's key, holding val, and blocks until it is
// the oldest (elected) or ctx ends; a campaign given up is withdrawn by
// etcd.
func (e *Election) Campaign(ctx context.Context, val string) error {
	var resp wireCampaignResponse
	req := &wireCampaignRequest{Name: []byte(e.name), Lease: num(e.s.lease), Value: []byte(val)}
	if err := e.s.c.call(ctx, "/v3/election/campaign", req, &resp); err != nil {
		return err
	}
	if resp.Leader == nil {
		return errors.New("etcd /v3/election/campaign: answer names no leader")
	}
	e.mu.Lock()
	e.leader = resp.Leader
	e.mu.Unlock()
	return nil
}

// Resign gives the leadership won by Campaign up, so that the next
// candidate is elected at once. It does nothing if Campaign did not win.
func (e *Election) Resign(ctx context.Context) error {
	e.mu.Lock()
	leader := e.leader
	e.mu.Unlock()
	if leader == nil {
		return nil
	}
	var resp wireResignResponse
	if err := e.s.c.call(ctx, "/v3/election/resign", &wireResignRequest{Leader: leader}, &resp); err != nil {
		return err
	}
	e.mu.Lock()
	e.leader = nil
	e.mu.Unlock()
	return nil
}

// Leader returns the key of the election's leader, or nil when there is
// none.
func (c *Client) Leader(ctx context.Context, pfx string) (*KeyValue, error) {
	var resp wireLeaderResponse
	err := c.call(ctx, "/v3/election/leader", &wireLeaderRequest{Name: []byte(pfx)}, &resp)
	var refused *Error
	if errors.As(err, &refused) && refused.Message == "election: no leader" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if resp.KV == nil {
		return nil, nil
	}
	return resp.KV.convert(), nil
}
