// Package etcdhttp is a small etcd v3 client that speaks to etcd's JSON
// gateway: HTTP/1.1 POSTs of JSON requests to the /v3/… paths every etcd
// server serves on its client port, using net/http and encoding/json only.
// It gives the etcd store what it needs (ranges, puts, deletes,
// transactions, leases kept alive by a Session, and elections run by the
// server) with types shaped like those of go.etcd.io/etcd/client/v3, and
// links neither gRPC nor etcd's protobufs.
//
// Requests go to one endpoint at a time. A request whose connection could
// not be opened (connection refused, no route, unknown host) is sent to
// the next endpoint, and when none can be reached, to all of them again
// after a pause, until its context ends. Any other failure is returned as
// it is, since the request may have reached the server and a transaction
// must not be applied twice; only reads are sent again, to the next
// endpoint. An endpoint that failed a request it received is left for the
// next one.
package etcdhttp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// ErrClosed is returned for requests made after Close.
var ErrClosed = errors.New("etcdhttp: client is closed")

// ErrCompacted is matched (with errors.Is) by the error of a read at a
// revision etcd has compacted away.
var ErrCompacted = errors.New("etcdhttp: required revision has been compacted")

// Config says how to reach etcd.
type Config struct {
	// Endpoints are the etcd members' client addresses, "host:port".
	Endpoints []string
	// TLS, when set, is used to connect to every endpoint (https); nil
	// means plain connections (http).
	TLS *tls.Config
	// DialTimeout bounds opening a connection to one endpoint. Zero means
	// five seconds.
	DialTimeout time.Duration
}

// maxIdlePerHost is how many idle connections the client keeps to each
// endpoint: every concurrent request needs a connection of its own.
const maxIdlePerHost = 256

// Client sends requests to etcd's JSON gateway. It is safe for concurrent
// use.
type Client struct {
	endpoints []string
	scheme    string
	hc        *http.Client
	tr        *http.Transport
	ctx       context.Context
	cancel    context.CancelFunc
	current   atomic.Int64 // index of the endpoint that last answered
}

// New returns a client of the endpoints in cfg. It sends nothing: the
// first request finds out whether etcd answers.
func New(cfg Config) (*Client, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcdhttp: no endpoints")
	}
	for _, ep := range cfg.Endpoints {
		if ep == "" || strings.ContainsAny(ep, "/@?#") {
			return nil, fmt.Errorf("etcdhttp: endpoint %q is not host:port", ep)
		}
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		DialContext:         dialer.DialContext,
		TLSHandshakeTimeout: cfg.DialTimeout,
		MaxIdleConnsPerHost: maxIdlePerHost,
		IdleConnTimeout:     90 * time.Second,
	}
	scheme := "http"
	if cfg.TLS != nil {
		scheme = "https"
		tr.TLSClientConfig = cfg.TLS.Clone()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Client{
		endpoints: append([]string(nil), cfg.Endpoints...),
		scheme:    scheme,
		hc:        &http.Client{Transport: tr},
		tr:        tr,
		ctx:       ctx,
		cancel:    cancel,
	}, nil
}

// Close ends every request under way and every Session of the client;
// requests made afterwards fail with ErrClosed. It always returns nil.
func (c *Client) Close() error {
	c.cancel()
	c.tr.CloseIdleConnections()
	return nil
}

// Ctx returns a context that is done once the client is closed.
func (c *Client) Ctx() context.Context { return c.ctx }

// Error is etcd's answer to a request it refused: the gRPC status code and
// message the gateway reports, with the HTTP status.
type Error struct {
	// HTTPStatus is the gateway's HTTP status code.
	HTTPStatus int
	// Code is the gRPC status code (codes.OutOfRange is 11, …).
	Code int
	// Message is the server's own message.
	Message string
}

// Error returns the server's message with its codes.
func (e *Error) Error() string {
	return fmt.Sprintf("%s (code %d, http %d)", e.Message, e.Code, e.HTTPStatus)
}

// gRPC status codes etcd answers with: OutOfRange for a read at a
// compacted revision, Unavailable for a member that cannot serve (no
// leader, stopping, …).
const (
	codeOutOfRange  = 11
	codeUnavailable = 14
)

// Is reports whether e is the refusal target names: ErrCompacted for a
// read at a compacted revision.
func (e *Error) Is(target error) bool {
	return target == ErrCompacted && e.Code == codeOutOfRange &&
		strings.Contains(e.Message, "required revision has been compacted")
}

// call POSTs req, as JSON, to path and decodes the answer into resp.
func (c *Client) call(ctx context.Context, path string, req, resp any) error {
	body, err := c.send(ctx, path, req)
	if err != nil {
		return err
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("etcd %s: read answer: %w", path, err)
	}
	if err := json.Unmarshal(data, resp); err != nil {
		return fmt.Errorf("etcd %s: decode answer: %w", path, err)
	}
	return nil
}

// send POSTs req, as JSON, to path on the current endpoint, or on the next
// ones while the connection cannot be opened, and returns the body of a
// 200 answer, which the caller closes. ctx bounds the whole exchange,
// reading the body included, and so does the client's own life.
//
// An endpoint that was reached but failed the request (no answer, or
// etcd's "unavailable") is left for the next one: later requests start
// there. The request itself is sent again, to the next endpoint, only if
// it is a read (path is /v3/kv/range), which is safe to repeat.
func (c *Client) send(ctx context.Context, path string, req any) (io.ReadCloser, error) {
	if c.ctx.Err() != nil {
		return nil, ErrClosed
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("etcd %s: encode request: %w", path, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(c.ctx, cancel)
	release := func() { stop(); cancel() }
	repeatable := path == "/v3/kv/range"
	var lastErr error
	for pause := redialMin; ; pause = min(2*pause, redialMax) {
		first, reached := int(c.current.Load()), false
		for n := range len(c.endpoints) {
			i := (first + n) % len(c.endpoints)
			resp, err := c.post(ctx, i, path, payload)
			if err == nil && resp.StatusCode == http.StatusOK {
				c.current.Store(int64(i))
				return &releasingBody{ReadCloser: resp.Body, release: release}, nil
			}
			if err == nil {
				refused := refusal(resp)
				_ = resp.Body.Close()
				if refused.Code != codeUnavailable {
					c.current.Store(int64(i))
					release()
					return nil, fmt.Errorf("etcd %s: %w", path, refused)
				}
				err = refused
			}
			lastErr = err
			if ctx.Err() != nil {
				release()
				return nil, c.failed(ctx, path, err)
			}
			if unsent(err) {
				continue
			}
			reached = true
			c.current.CompareAndSwap(int64(i), int64((i+1)%len(c.endpoints)))
			if !repeatable {
				release()
				return nil, c.failed(ctx, path, err)
			}
		}
		if reached {
			// Every endpoint was tried; some answered, none served.
			release()
			return nil, c.failed(ctx, path, lastErr)
		}
		// No endpoint could be reached: wait for one, as long as ctx
		// allows, as a gRPC client waits for its connection to be ready.
		t := time.NewTimer(pause)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, c.failed(ctx, path, lastErr)
		}
	}
}

// Bounds of the pause between two rounds of the endpoints when none could
// be reached.
const (
	redialMin = 25 * time.Millisecond
	redialMax = time.Second
)

// failed returns the error of a request to path that got no answer: err,
// or ErrClosed, or ctx's error with err as the last attempt's.
func (c *Client) failed(ctx context.Context, path string, err error) error {
	switch {
	case c.ctx.Err() != nil:
		return fmt.Errorf("etcd %s: %w", path, ErrClosed)
	case ctx.Err() != nil && !errors.Is(err, ctx.Err()):
		return fmt.Errorf("etcd %s: %w (last attempt: %w)", path, ctx.Err(), err)
	default:
		return fmt.Errorf("etcd %s: %w", path, err)
	}
}

// post sends payload to path on endpoint i.
func (c *Client) post(ctx context.Context, i int, path string, payload []byte) (*http.Response, error) {
	u := c.scheme + "://" + c.endpoints[i] + path
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	return c.hc.Do(req)
}

// unsent reports whether err says the request never left: the connection
// to the endpoint could not be opened.
func unsent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// refusal reads etcd's error answer: a JSON status with a code and a
// message (or error) field.
func refusal(resp *http.Response) *Error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}
	if json.Unmarshal(data, &st) != nil {
		st.Message = strings.TrimSpace(string(data))
	}
	if st.Message == "" {
		st.Message = st.Error
	}
	if st.Message == "" {
		st.Message = http.StatusText(resp.StatusCode)
	}
	return &Error{HTTPStatus: resp.StatusCode, Code: st.Code, Message: st.Message}
}

// releasingBody is an answer's body that ends the request's context when
// closed.
type releasingBody struct {
	io.ReadCloser
	release func()
}

// Close closes the body and ends the request's context.
func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}
