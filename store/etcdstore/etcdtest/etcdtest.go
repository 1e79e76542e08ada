// Package etcdtest runs a real, single-member etcd server inside a test
// process, for tests of code that keeps its state in etcd.
//
// The server is etcd's own (go.etcd.io/etcd/server/v3/embed), not a fake:
// transactions, revisions, leases and watches behave as in production. It
// listens on random loopback ports, keeps its data in a temporary
// directory, logs nothing and is stopped when the test ends.
package etcdtest

import (
	"net/url"
	"testing"
	"time"

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
func Start(t testing.TB) (endpoints []string) {
	t.Helper()
	cfg := embed.NewConfig()
	cfg.Name = "etcdtest"
	cfg.Dir = t.TempDir()
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(zap.NewNop())
	// Port 0 lets the kernel choose; a single member never dials its own
	// peer address, so advertising port 0 there is harmless.
	loopback := url.URL{Scheme: "http", Host: "127.0.0.1:0"}
	cfg.ListenClientUrls = []url.URL{loopback}
	cfg.AdvertiseClientUrls = []url.URL{loopback}
	cfg.ListenPeerUrls = []url.URL{loopback}
	cfg.AdvertisePeerUrls = []url.URL{loopback}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	// A short election timeout lets the lone member lead at once; test data
	// need not survive a power cut, so skip fsync.
	cfg.TickMs, cfg.ElectionMs = 10, 100
	cfg.UnsafeNoFsync = true

	e, err := embed.StartEtcd(cfg)
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
