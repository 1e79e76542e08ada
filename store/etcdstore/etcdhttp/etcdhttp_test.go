package etcdhttp

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// newClient returns a client of endpoints, closed when the test ends.
func newClient(t *testing.T, endpoints ...string) *Client {
	t.Helper()
	c, err := New(Config{Endpoints: endpoints, DialTimeout: time.Second})
	if err != nil {
		t.Fatalf("New(%q) = %v", endpoints, err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// prefixes hands each subtest keys of its own.
var prefixes atomic.Int64

func newPrefix() string { return fmt.Sprintf("/t%d/", prefixes.Add(1)) }

func mustPut(t *testing.T, c *Client, key, val string, opts ...OpOption) *PutResponse {
	t.Helper()
	resp, err := c.Put(t.Context(), key, val, opts...)
	if err != nil {
		t.Fatalf("Put(%q) = %v", key, err)
	}
	return resp
}

func keys(kvs []*KeyValue) string {
	var out []string
	for _, kv := range kvs {
		out = append(out, string(kv.Key))
	}
	return strings.Join(out, ",")
}
