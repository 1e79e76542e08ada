package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
)

// validRequest is a create request the emulator accepts.
func validRequest(name string) providers.InstanceRequest {
	return providers.InstanceRequest{
		Name: name, Region: "nyc3", Size: "s-1vcpu-1gb",
		Labels: map[string]string{providers.LabelOwner: "U024BE7LH", providers.LabelOp: "op-" + name},
	}
}

func TestAuthErrorNamesVariableNotValue(t *testing.T) {
	const wrong = "dop_v1_this-token-must-never-be-shown"
	p, _ := newTestProvider(t, func(c *Config) { c.Token = secret.New(wrong) })
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"ListInstances", func(ctx context.Context) error { _, err := p.ListInstances(ctx); return err }},
		{"CreateInstance", func(ctx context.Context) error { _, err := p.CreateInstance(ctx, validRequest("a")); return err }},
		{"Catalog", func(ctx context.Context) error { _, err := p.Catalog(ctx); return err }},
		{"GetInstance", func(ctx context.Context) error { _, err := p.GetInstance(ctx, "12345"); return err }},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			if !errors.Is(err, providers.ErrAuth) {
				t.Fatalf("%s() error = %v, want ErrAuth", tt.name, err)
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Message != "Unable to authenticate you" {
				t.Errorf("%s() error = %#v, want DigitalOcean's message %q", tt.name, err, "Unable to authenticate you")
			}
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err), pe.Hint} {
				if strings.Contains(text, wrong) {
					t.Errorf("%s() error text %q contains the token", tt.name, text)
				}
			}
			if !strings.Contains(err.Error(), EnvToken) {
				t.Errorf("%s() error = %q, want it to name %s", tt.name, err, EnvToken)
			}
		})
	}
}

func TestCreateInvalidCarriesDigitalOceanMessage(t *testing.T) {
	tests := []struct {
		name     string
		spoil    func(*providers.InstanceRequest)
		wantKind error
		wantMsg  string
	}{
		{"unknown size", func(r *providers.InstanceRequest) { r.Size = "s-64vcpu-1tb" }, providers.ErrInvalid,
			"You specified an invalid size for Droplet creation."},
		{"unknown region", func(r *providers.InstanceRequest) { r.Region = "mars1" }, providers.ErrInvalid,
			"You specified an invalid region for Droplet creation."},
		{"closed region", func(r *providers.InstanceRequest) { r.Region = "nyc2" }, providers.ErrInvalid,
			"You specified an invalid region for Droplet creation."},
		{"size not in region", func(r *providers.InstanceRequest) { r.Size = "s-1vcpu-512mb-10gb" }, providers.ErrInvalid,
			"Size is not available in this region."},
		{"unknown image", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "14.04"}
		}, providers.ErrInvalid, "You specified an invalid image for Droplet creation."},
		{"unknown snapshot", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "999"}
		}, providers.ErrInvalid, "You specified an invalid image for Droplet creation."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, emu := newTestProvider(t)
			req := validRequest("invalid")
			tt.spoil(&req)
			in, err := p.CreateInstance(t.Context(), req)
			if in != nil || !errors.Is(err, tt.wantKind) {
				t.Fatalf("CreateInstance(%+v) = %+v, %v, want nil, %v", req, in, err, tt.wantKind)
			}
			var pe *providers.Error
			if !errors.As(err, &pe) || pe.Message != tt.wantMsg {
				t.Errorf("CreateInstance() error message = %q, want %q", pe.Message, tt.wantMsg)
			}
			if n := emu.Calls("POST /v2/droplets"); n != 1 {
				t.Errorf("POST /v2/droplets calls = %d, want 1: a refused create is not retried", n)
			}
		})
	}
}

func TestCreateOverDropletLimitIsQuota(t *testing.T) {
	p, emu := newTestProvider(t)
	emu.SetDropletLimit(1)
	if _, err := p.CreateInstance(t.Context(), validRequest("first")); err != nil {
		t.Fatalf("CreateInstance(first) error = %v", err)
	}
	_, err := p.CreateInstance(t.Context(), validRequest("second"))
	if !errors.Is(err, providers.ErrQuota) {
		t.Fatalf("CreateInstance(second) error = %v, want ErrQuota", err)
	}
}

func TestRateLimitBurstIsRetried(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		call     func(ctx context.Context, p *Provider) error
	}{
		{"create", "POST /v2/droplets", func(ctx context.Context, p *Provider) error {
			_, err := p.CreateInstance(ctx, validRequest("burst"))
			return err
		}},
		{"list", "GET /v2/droplets", func(ctx context.Context, p *Provider) error {
			_, err := p.ListInstances(ctx)
			return err
		}},
		{"catalog", "GET /v2/sizes", func(ctx context.Context, p *Provider) error {
			_, err := p.Catalog(ctx)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, emu := newTestProvider(t)
			emu.FailNext(3, providertest.Fault{Status: http.StatusTooManyRequests})
			if err := tt.call(t.Context(), p); err != nil {
				t.Fatalf("%s after 3 rate-limited replies error = %v, want success", tt.name, err)
			}
			if got := emu.Calls(tt.endpoint); got != 4 {
				t.Errorf("Calls(%q) = %d, want 4 (3 refused, 1 served)", tt.endpoint, got)
			}
			if got := len(emu.Droplets()); tt.name == "create" && got != 1 {
				t.Errorf("droplets after create = %d, want 1", got)
			}
		})
	}
}

func TestRateLimitOutlastingRetries(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.MaxRetries = 2 })
	emu.FailNext(10, providertest.Fault{Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "7"}})
	_, err := p.ListInstances(t.Context())
	if !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("ListInstances() error = %v, want ErrRateLimited", err)
	}
	if ra, _ := providers.RetryAfter(err); ra != 7*time.Second {
		t.Errorf("RetryAfter(err) = %v, want 7s from the Retry-After header", ra)
	}
	if got := emu.Calls("GET /v2/droplets"); got != 3 {
		t.Errorf("Calls(GET /v2/droplets) = %d, want 3 (1 + MaxRetries)", got)
	}
}

func TestRetryWaitStopsWithContext(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.MaxRetryWait = time.Hour })
	emu.FailNext(1, providertest.Fault{Status: http.StatusTooManyRequests, Headers: map[string]string{"Retry-After": "3600"}})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := p.ListInstances(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("ListInstances() error = %v, want the rate limit and context.DeadlineExceeded", err)
	}
}

func TestServerErrorsRetriedOnReads(t *testing.T) {
	p, emu := newTestProvider(t)
	id := emu.AddDroplet("one", "spuff")
	emu.FailNext(2, providertest.Fault{Status: http.StatusInternalServerError})
	in, err := p.GetInstance(t.Context(), strconv.Itoa(id))
	if err != nil || in == nil {
		t.Fatalf("GetInstance() after two 500s = %+v, %v, want the droplet", in, err)
	}
	if got := emu.Calls("GET /v2/droplets/{id}"); got != 3 {
		t.Errorf("Calls(GET /v2/droplets/{id}) = %d, want 3", got)
	}
}

func TestLostDeleteReplyIsSuccess(t *testing.T) {
	p, emu := newTestProvider(t)
	id := emu.AddDroplet("one", "spuff")
	emu.ResetCalls()
	// The GET before the delete passes; the DELETE is served, its reply lost.
	emu.FailNext(1, providertest.Fault{})
	emu.FailNext(1, providertest.Fault{Status: http.StatusBadGateway, AfterServe: true})
	if err := p.DestroyInstance(t.Context(), strconv.Itoa(id)); err != nil {
		t.Fatalf("DestroyInstance() error = %v, want nil", err)
	}
	if got := emu.Calls("DELETE /v2/droplets/{id}"); got != 2 {
		t.Errorf("Calls(DELETE /v2/droplets/{id}) = %d, want 2 (lost reply, then 404)", got)
	}
	if got := emu.Droplets(); len(got) != 0 {
		t.Errorf("droplets after destroy = %+v, want none", got)
	}
}
