// Package etcdtest runs a real, single-member etcd server inside a test
// process, for tests of code that keeps its state in etcd.
//
// The server is etcd's own (go.etcd.io/etcd/server/v3/embed), not a fake:
// transactions, revisions, leases and watches behave as in production. It
// listens on free loopback ports, keeps its data in a temporary
// directory, logs nothing and is stopped when the test ends.
package etcdtest

import (
	"fmt"
	"net"
	"net/url"
	"testing"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// startTimeout bounds how long Start waits for the server to elect itself
// leader and serve clients.
const startTimeout = 30 * time.Second

// Start starts an etcd server for the test and returns its client
// endpoints ("127.0.0.1:port"). The server and its data directory are
// removed when the test and its subtests have finished. Start fails the
// test if the server does not come up.
//
// The client port is a concrete one, chosen free just before the server
// binds it (and chosen again should another process take it meanwhile):
// the server's JSON gateway reaches the server's gRPC service at the
// configured address, which port 0 is not.
func Start(t testing.TB) (endpoints []string) {
	t.Helper()
	return run(t, nil)
}

// run starts the server, with TLS on its client port when tlsInfo is set.
func run(t testing.TB, tlsInfo *transport.TLSInfo) (endpoints []string) {
	t.Helper()
	var e *embed.Etcd
	var err error
	for range startAttempts {
		if e, err = start(t, tlsInfo); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("etcdtest: start etcd: %v", err)
	}
	t.Cleanup(e.Close)
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		t.Fatalf("etcdtest: etcd stopped while starting: %v", err)
	case <-time.After(startTimeout):
		t.Fatalf("etcdtest: etcd not ready after %v", startTimeout)
	}
	for _, l := range e.Clients {
		endpoints = append(endpoints, l.Addr().String())
	}
	return endpoints
}

// startAttempts is how many free ports Start tries, should another
// process bind the one it chose first.
const startAttempts = 5

// start starts the server on a free client port.
func start(t testing.TB, tlsInfo *transport.TLSInfo) (*embed.Etcd, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg := embed.NewConfig()
	cfg.Name = "etcdtest"
	cfg.Dir = t.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	client := url.URL{Scheme: "http", Host: port}
	if tlsInfo != nil {
		client.Scheme = "https"
		cfg.ClientTLSInfo = *tlsInfo
	}
	// Port 0 lets the kernel choose the peer port; a single member never
	// dials its own peer address, so advertising port 0 there is harmless.
	peer := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// A short election timeout lets the lone member lead at once; test data
	// need not survive a power cut, so skip fsync.
	cfg.TickMs, cfg.ElectionMs = 10, 100
	cfg.UnsafeNoFsync = true
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("client port %s: %w", port, err)
	}
	return e, nil
}

// freePort returns a loopback address ("127.0.0.1:port") that no socket
// was bound to a moment ago.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	return addr, nil
}
