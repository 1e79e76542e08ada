package etcdstore_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// TestOpenTLS opens a store from an etcds:// URL naming a CA and a client
// certificate, as SPUFF_STORE does, on a server that requires both.
func TestOpenTLS(t *testing.T) {
	endpoints, files := etcdtest.StartTLS(t)
	q := url.Values{"ca": {files.CA}, "cert": {files.Cert}, "key": {files.Key}, "prefix": {newPrefix()}}
	cfg, err := etcdstore.ParseURL("etcds://" + endpoints[0] + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	cfg.LeaseTTL = time.Second
	s := openStore(t, cfg)
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping over TLS = %v", err)
	}
	if _, ok, err := s.Claim(ctx, "op-1"); err != nil || !ok {
		t.Fatalf("Claim over TLS = %v, %v", ok, err)
	}
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.Lead(lctx); err != nil {
		t.Fatalf("Lead over TLS = %v", err)
	}
}
