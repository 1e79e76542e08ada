// Package etcdstore keeps spuffbot's durable state in etcd, so that
// several spuffbot replicas can share it. It has the same methods, with the
// same meaning, as the embedded bbolt store (store/bolt): the domain uses
// either through the same interface, and one conformance suite
// (store/storetest) runs against both.
//
// Records are the store package's types, stored as JSON under a key prefix
// ("/spuffbot/" unless configured otherwise):
//
//	instances/<name>                                  an Instance
//	instances_by_owner/<owner>/<name>                 the instance's name
//	instances_by_cloud_id/<provider>/<cloud id>/<name> the instance's name
//	operations/<id>                                   an Operation
//	operations_by_key/<idempotency key>               the operation's id
//	operations_open/<id>                              the id of an operation not final
//	operations_ended/<time>/<id>                      the id of a final operation, by end time
//	clicks/<idempotency key>                          a Click
//	clicks_by_time/<time>/<idempotency key>           the click's key, by the time it was pressed
//	approvals/<operation id>                          an Approval
//	ssh_keys/<owner>/<fingerprint>                    an SSHKey
//	audit/<time>/<writer>-<n>                         an AuditEvent, n-th of a Store
//	meta/schema_version                               the layout version, "1"
//	meta/operations_open_indexed                      set once operations_open is complete
//	meta/operations_ended_indexed                     set once operations_ended is complete
//	claims/<operation id>                             the replica running it, under its lease
//	election/<lease id>                               a replica campaigning to lead
//
// Every segment is path-escaped, so none contains a slash. A record and
// its index keys are written in one transaction. Read-modify-write
// operations compare the record's ModRevision and retry, a bounded number
// of times with jittered backoff, when another writer got in first;
// creations that must not happen twice compare CreateRevision with zero.
// No key is shared by every writer: an audit event's key is its own, and
// its sequence number is the etcd revision that wrote it.
//
// Missing records are reported with errors wrapping store.ErrNotFound,
// duplicates with store.ErrExists, as the bbolt store does.
//
// Replicas coordinate through the same etcd: each Store keeps one session,
// a lease it renews while it lives. Claim marks an operation as run by
// this replica under that lease, and Lead campaigns in an election held on
// it (etcd's own election service), so that a replica that dies loses its
// claims and its leadership when the lease expires, after Config.LeaseTTL.
package etcdstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
)

// DefaultPrefix is where the records live when Config.Prefix is empty.
const DefaultPrefix = "/spuffbot/"

// schemaVersion is the key layout this package reads and writes. Open
// refuses a prefix holding a newer one.
const schemaVersion = 1

// errSchemaTooNew is wrapped by Open's error for data written by a newer
// spuffbot.
var errSchemaTooNew = errors.New("newer than this spuffbot supports")

// Config says how to reach etcd and where the records live.
type Config struct {
	// Endpoints are the etcd members' client addresses, "host:port".
	Endpoints []string
	// TLS, when set, is used to connect to every endpoint; nil means
	// plain connections.
	TLS *tls.Config
	// Prefix is prepended to every key; it is given a trailing slash if
	// it lacks one. Empty means DefaultPrefix.
	Prefix string
	// DialTimeout bounds connecting, and Open's first request. Zero means
	// five seconds.
	DialTimeout time.Duration
	// Now is the clock that stamps records. Nil means time.Now.
	Now func() time.Time
	// LeaseTTL is how long the replica's claims and leadership outlive its
	// last contact with etcd; etcd counts in whole seconds, so it is
	// rounded up. Zero means DefaultLeaseTTL.
	LeaseTTL time.Duration
	// ID names this replica in claims and in the election, for people
	// reading etcd. Empty means "<hostname>-<pid>".
	ID string
}

// DefaultLeaseTTL is the lease of a replica's claims and leadership when
// Config.LeaseTTL is zero.
const DefaultLeaseTTL = 10 * time.Second

// Store is spuffbot's state in etcd. It is safe for concurrent use, also
// by several processes sharing one prefix.
type Store struct {
	client *etcdhttp.Client
	keys   layout
	clock  func() time.Time
	id     string
	ttl    int // seconds

	writer  string // unique to this Store, in the keys of its audit events
	written atomic.Uint64
	// txnAttempts counts the transactions compare-and-swap loops sent,
	// for the benchmarks.
	txnAttempts atomic.Int64

	mu      sync.Mutex
	session *etcdhttp.Session // nil until the first claim or campaign
	closed  bool
}

// Open connects to etcd, checks that the prefix holds data this version
// understands (recording the layout version on first use) and returns the
// store. It fails if no endpoint answers within the dial timeout.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, errors.New("etcdstore: open: no endpoints")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !strings.HasSuffix(cfg.Prefix, "/") {
		cfg.Prefix += "/"
	}
	if cfg.DialTimeout <= 0 {
		cfg.DialTimeout = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.ID == "" {
		host, _ := os.Hostname()
		cfg.ID = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	cli, err := etcdhttp.New(etcdhttp.Config{
		Endpoints:   cfg.Endpoints,
		TLS:         cfg.TLS,
		DialTimeout: cfg.DialTimeout,
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: open %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	s := &Store{client: cli, keys: layout(cfg.Prefix), clock: cfg.Now, id: cfg.ID,
		ttl: int((cfg.LeaseTTL + time.Second - 1) / time.Second), writer: newWriterID()}
	checkCtx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	err = s.checkSchema(checkCtx)
	if err == nil {
		err = s.indexOpenOperations(checkCtx)
	}
	if err == nil {
		err = s.indexEndedOperations(checkCtx)
	}
	if err != nil {
		_ = cli.Close()
		return nil, fmt.Errorf("etcdstore: open %s: %w", strings.Join(cfg.Endpoints, ","), err)
	}
	return s, nil
}

// checkSchema records the layout version under the prefix if there is
// none yet, and refuses a newer one.
func (s *Store) checkSchema(ctx context.Context) error {
	key := s.keys.schema()
	resp, err := s.client.Txn(ctx).
		If(etcdhttp.Compare(etcdhttp.CreateRevision(key), "=", 0)).
		Then(etcdhttp.OpPut(key, strconv.Itoa(schemaVersion))).
		Else(etcdhttp.OpGet(key)).
		Commit()
	if err != nil {
		return err
	}
	if resp.Succeeded {
		return nil
	}
	kvs := resp.Responses[0].GetResponseRange().Kvs
	if len(kvs) == 0 {
		return errors.New("schema version vanished while being read")
	}
	v, err := strconv.ParseUint(string(kvs[0].Value), 10, 64)
	if err != nil {
		return fmt.Errorf("schema version %q is not a number", kvs[0].Value)
	}
	if v > schemaVersion {
		return fmt.Errorf("schema version %d is %w (up to %d)", v, errSchemaTooNew, schemaVersion)
	}
	return nil
}

// Close revokes the replica's lease, so that its claims and leadership
// pass to another replica at once rather than when the lease expires, and
// closes the connection to etcd. The Store must not be used afterwards.
func (s *Store) Close() error {
	s.endSession()
	if err := s.client.Close(); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("etcdstore: close: %w", err)
	}
	return nil
}

// Client returns the etcd client the store uses, for coordination built
// on the same connections (leases, elections, claims) and for tests, which
// close it to cut a replica off from etcd. Closing the Store closes it.
func (s *Store) Client() *etcdhttp.Client { return s.client }

// Ping reports whether etcd answers a linearizable read, which needs a
// quorum of members: nil means the store can be used.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.get(ctx, s.keys.schema(), etcdhttp.WithCountOnly()); err != nil {
		return fmt.Errorf("etcdstore: ping: %w", err)
	}
	return nil
}

// now is the time records are stamped with, in UTC.
func (s *Store) now() time.Time { return s.clock().UTC() }

var _ store.Store = (*Store)(nil)
