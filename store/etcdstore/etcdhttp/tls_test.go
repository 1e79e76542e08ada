package etcdhttp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

func TestTLS(t *testing.T) {
	endpoints, files := etcdtest.StartTLS(t)
	pem, err := os.ReadFile(files.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	pair, err := tls.LoadX509KeyPair(files.Cert, files.Key)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	t.Run("ClientCertificate", func(t *testing.T) {
		c, err := New(Config{Endpoints: endpoints, TLS: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{pair}}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Put(ctx, "k", "v"); err != nil {
			t.Fatalf("Put over TLS = %v", err)
		}
		if resp, err := c.Get(ctx, "k"); err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "v" {
			t.Fatalf("Get over TLS = %+v, %v, want v", resp, err)
		}
		lease, err := c.Grant(ctx, 5)
		if err != nil {
			t.Fatalf("Grant over TLS = %v", err)
		}
		if ttl, err := c.KeepAliveOnce(ctx, lease.ID); err != nil || ttl != 5 {
			t.Errorf("KeepAliveOnce over TLS = %d, %v, want 5", ttl, err)
		}
	})
	t.Run("NoClientCertificate", func(t *testing.T) {
		c, err := New(Config{Endpoints: endpoints, TLS: &tls.Config{RootCAs: roots}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Get(ctx, "k"); err == nil {
			t.Errorf("Get without a client certificate = nil error, want one")
		}
	})
	t.Run("UnknownServer", func(t *testing.T) {
		c, err := New(Config{Endpoints: endpoints, TLS: &tls.Config{Certificates: []tls.Certificate{pair}}})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.Get(ctx, "k"); err == nil {
			t.Errorf("Get from a server signed by an unknown CA = nil error, want one")
		}
	})
}
