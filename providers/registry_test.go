package providers

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRegistry(t *testing.T) {
	var r Registry
	r.Register("b", func(context.Context, Env) (Provider, error) { return nil, errors.New("no token") })
	r.Register("a", func(context.Context, Env) (Provider, error) { return nil, nil })
	if got := strings.Join(r.Names(), ","); got != "a,b" {
		t.Errorf("Names() = %q, want a,b", got)
	}
	_, err := r.New(context.Background(), "azure", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown provider "azure" (known: a, b)`) {
		t.Errorf("New(azure) = %v, want an error listing the known providers", err)
	}
	if _, err := r.New(context.Background(), "b", nil); err == nil || !strings.Contains(err.Error(), "provider b: no token") {
		t.Errorf("New(b) = %v, want the constructor's error with the provider's name", err)
	}
}

func TestErrorKinds(t *testing.T) {
	err := error(&Error{Provider: "hetzner", Op: "create server", Kind: ErrRateLimited, Message: "slow down", RetryAfter: 7 * time.Second})
	wrapped := errors.Join(errors.New("context"), err)
	if !errors.Is(wrapped, ErrRateLimited) || errors.Is(wrapped, ErrAuth) {
		t.Errorf("errors.Is does not follow Kind: %v", wrapped)
	}
	if d, ok := RetryAfter(wrapped); !ok || d != 7*time.Second {
		t.Errorf("RetryAfter = %v, %v; want 7s, true", d, ok)
	}
	if _, ok := RetryAfter(&Error{Kind: ErrQuota}); ok {
		t.Errorf("RetryAfter of a quota error reports a rate limit")
	}
	want := "hetzner: create server: rate limited: slow down"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestCatalogLookups(t *testing.T) {
	c := &Catalog{Sizes: []Size{{Slug: "s1", Regions: []string{"fra1"}}, {Slug: "s2"}}, Regions: []Region{{Slug: "fra1"}}}
	if s, ok := c.Size("s1"); !ok || !s.Offered("fra1") || s.Offered("nyc1") {
		t.Errorf("Size(s1) = %+v, %v; want offered in fra1 only", s, ok)
	}
	if s, _ := c.Size("s2"); !s.Offered("anywhere") {
		t.Errorf("a size without regions must be offered everywhere")
	}
	if _, ok := c.Region("nyc1"); ok {
		t.Errorf("Region(nyc1) found a region that is not there")
	}
	if (&Instance{Status: StatusActive}).Ready() || !(&Instance{Status: StatusActive, IP: "203.0.113.1"}).Ready() {
		t.Errorf("Ready must need both active and an IP")
	}
}
