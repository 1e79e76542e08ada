package etcdhttp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// LeaseGrantResponse is the answer to Grant.
type LeaseGrantResponse struct {
	Header ResponseHeader
	// ID is the lease granted.
	ID int64
	// TTL is its term in seconds, as etcd granted it.
	TTL int64
}

// Grant asks for a lease of ttl seconds.
func (c *Client) Grant(ctx context.Context, ttl int64) (*LeaseGrantResponse, error) {
	var resp wireLeaseResponse
	if err := c.call(ctx, "/v3/lease/grant", &wireLease{TTL: num(ttl)}, &resp); err != nil {
		return nil, err
	}
	if resp.Error != "" {
		return nil, fmt.Errorf("etcd /v3/lease/grant: %s", resp.Error)
	}
	return &LeaseGrantResponse{Header: resp.Header.convert(), ID: int64(resp.ID), TTL: int64(resp.TTL)}, nil
}

// Revoke ends lease id at once, deleting the keys attached to it.
func (c *Client) Revoke(ctx context.Context, id int64) error {
	var resp struct {
		Header wireHeader `json:"header"`
	}
	return c.call(ctx, "/v3/lease/revoke", &wireLease{ID: num(id)}, &resp)
}

// KeepAliveOnce renews lease id and returns the term it has again, in
// seconds: 0 when the lease is gone (expired or revoked).
func (c *Client) KeepAliveOnce(ctx context.Context, id int64) (ttl int64, err error) {
	const path = "/v3/lease/keepalive"
	// A stream of one request: its answer is the first message of the
	// streamed reply.
	body, err := c.send(ctx, path, &wireLease{ID: num(id)})
	if err != nil {
		return 0, err
	}
	defer body.Close()
	var msg wireStreamed[wireLeaseResponse]
	if err := json.NewDecoder(body).Decode(&msg); err != nil {
		return 0, fmt.Errorf("etcd %s: decode answer: %w", path, err)
	}
	if msg.Error != nil {
		return 0, fmt.Errorf("etcd %s: %w", path, &Error{HTTPStatus: 200, Code: msg.Error.Code, Message: msg.Error.Message})
	}
	if msg.Result == nil {
		return 0, fmt.Errorf("etcd %s: answer holds no result", path)
	}
	return int64(msg.Result.TTL), nil
}

// retryPause is the longest a Session waits before trying again a renewal
// that failed.
const retryPause = 500 * time.Millisecond

// Session keeps a lease alive, renewing it every third of its term, until
// Orphan or the client's Close.
type Session struct {
	c      *Client
	lease  int64
	ttl    time.Duration
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
}

// NewSession keeps lease, granted just now for ttl, alive.
func NewSession(c *Client, lease int64, ttl time.Duration) (*Session, error) {
	if ttl <= 0 {
		return nil, errors.New("etcdhttp: session: lease term must be positive")
	}
	ctx, cancel := context.WithCancel(c.ctx)
	s := &Session{c: c, lease: lease, ttl: ttl, ctx: ctx, cancel: cancel, done: make(chan struct{})}
	go s.keepAlive(time.Now().Add(ttl))
	return s, nil
}

// Lease returns the session's lease.
func (s *Session) Lease() int64 { return s.lease }

// Done returns a channel that is closed when the session ends: the lease
// is gone, no renewal succeeded for its whole term (the lease may have
// expired unseen), Orphan was called or the client closed.
func (s *Session) Done() <-chan struct{} { return s.done }

// Orphan stops renewing the lease, which is left to expire or to be
// revoked, and ends the session.
func (s *Session) Orphan() {
	s.cancel()
	<-s.done
}

// keepAlive renews the lease until it ends, the session is orphaned or
// deadline passes with no renewal.
func (s *Session) keepAlive(deadline time.Time) {
	defer close(s.done)
	defer s.cancel()
	wait := s.ttl / 3
	for {
		t := time.NewTimer(min(wait, time.Until(deadline)))
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !time.Now().Before(deadline) {
			return
		}
		ctx, cancel := context.WithDeadline(s.ctx, deadline)
		start := time.Now()
		ttl, err := s.c.KeepAliveOnce(ctx, s.lease)
		cancel()
		switch {
		case err == nil && ttl <= 0:
			return // expired or revoked
		case err == nil:
			deadline = start.Add(time.Duration(ttl) * time.Second)
			wait = time.Duration(ttl) * time.Second / 3
		default:
			wait = min(s.ttl/3, retryPause)
		}
	}
}
