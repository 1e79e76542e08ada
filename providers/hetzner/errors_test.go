package hetzner

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
)

// validRequest is a request the emulator accepts.
func validRequest(name string) providers.InstanceRequest {
	return providers.InstanceRequest{Name: name, Region: "fsn1", Size: "cx22",
		Labels: map[string]string{providers.LabelOwner: "U1", providers.LabelOp: "op-1"}}
}

// asProviderError returns err as *providers.Error or fails the test.
func asProviderError(t *testing.T, call string, err error) *providers.Error {
	t.Helper()
	var pe *providers.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%s error = %v (%T), want a *providers.Error", call, err, err)
	}
	return pe
}

func TestAuthFailure(t *testing.T) {
	const wrong = "wrong-token-value-93ab"
	emu := newEmulator(t)
	p := newProvider(t, emu, func(c *Config) { c.Token = secret.New(wrong) })
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"CreateInstance", func(ctx context.Context) error { _, err := p.CreateInstance(ctx, validRequest("a")); return err }},
		{"ListInstances", func(ctx context.Context) error { _, err := p.ListInstances(ctx); return err }},
		{"GetInstance", func(ctx context.Context) error { _, err := p.GetInstance(ctx, "42"); return err }},
		{"Catalog", func(ctx context.Context) error { _, err := p.Catalog(ctx); return err }},
		{"ListSnapshots", func(ctx context.Context) error { _, err := p.ListSnapshots(ctx); return err }},
	}
	for _, tt := range calls {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(t.Context())
			if !errors.Is(err, providers.ErrAuth) {
				t.Fatalf("%s() error = %v, want errors.Is(err, ErrAuth)", tt.name, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, "HCLOUD_TOKEN") {
				t.Errorf("%s() error = %q, want it to name HCLOUD_TOKEN", tt.name, msg)
			}
			if strings.Contains(msg, wrong) || strings.Contains(msg, testToken) {
				t.Errorf("%s() error = %q, contains a token", tt.name, msg)
			}
		})
	}
	if n := emu.Calls("POST /v1/servers"); n != 1 {
		t.Errorf("POST /v1/servers calls = %d, want 1 (401 is not retried)", n)
	}
}

func TestCreateInstanceInvalidInput(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(*providers.InstanceRequest)
		wantMsg string
	}{
		{"unknown server type", func(r *providers.InstanceRequest) { r.Size = "cx99" },
			"invalid input in field 'server_type': server type not found"},
		{"unknown location", func(r *providers.InstanceRequest) { r.Region = "mars1" },
			"invalid input in field 'location': location not found"},
		{"type not sold there", func(r *providers.InstanceRequest) { r.Size, r.Region = "cx32", "ash" },
			"unsupported location for server type"},
		{"type sold out there", func(r *providers.InstanceRequest) { r.Size, r.Region = "cx32", "fsn1" },
			"unsupported location for server type"},
		{"unknown snapshot", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "424242"}
		}, "invalid input in field 'image': image not found"},
		{"unknown debian", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageDebian, Version: "7"}
		}, "invalid input in field 'image': image not found"},
		{"snapshot id not a number", func(r *providers.InstanceRequest) {
			r.Image = providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "snap-1"}
		}, `snapshot id "snap-1" is not a Hetzner image id (a number)`},
		{"no size", func(r *providers.InstanceRequest) { r.Size = "" }, "no size (server type) given"},
		{"name without hostname characters", func(r *providers.InstanceRequest) { r.Name = "ü!" },
			`instance name "ü!" has no character a hostname may have`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := newEmulator(t)
			p := newProvider(t, emu)
			req := validRequest("dev-box")
			tt.edit(&req)
			in, err := p.CreateInstance(t.Context(), req)
			if in != nil || !errors.Is(err, providers.ErrInvalid) {
				t.Fatalf("CreateInstance(%+v) = %+v, %v, want ErrInvalid", req, in, err)
			}
			if pe := asProviderError(t, "CreateInstance", err); pe.Message != tt.wantMsg {
				t.Errorf("CreateInstance(%+v) message = %q, want %q", req, pe.Message, tt.wantMsg)
			}
			if got := emu.Servers(); len(got) != 0 {
				t.Errorf("emulator servers after refused create = %+v, want none", got)
			}
		})
	}
}

func TestRateLimitBurstIsRetried(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu)
	emu.FailNext(3, providertest.Fault{Status: http.StatusTooManyRequests})
	in, err := p.CreateInstance(t.Context(), validRequest("burst"))
	if err != nil {
		t.Fatalf("CreateInstance() after a burst of 3 429s error = %v, want success", err)
	}
	if in == nil || in.ID == "" {
		t.Fatalf("CreateInstance() = %+v, want an instance", in)
	}
	if n := emu.Calls("POST /v1/servers"); n != 4 {
		t.Errorf("POST /v1/servers calls = %d, want 4 (3 refused, 1 served)", n)
	}
	if n := len(emu.Servers()); n != 1 {
		t.Errorf("emulator holds %d servers, want 1", n)
	}
}

func TestRateLimitExhausted(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu, func(c *Config) { c.MaxRetries = 2 })
	reset := time.Now().Add(30 * time.Second).Unix()
	emu.FailNext(3, providertest.Fault{Status: http.StatusTooManyRequests, Headers: map[string]string{
		"RateLimit-Limit": "3600", "RateLimit-Remaining": "0", "RateLimit-Reset": strconv.FormatInt(reset, 10),
	}})
	_, err := p.ListInstances(t.Context())
	if !errors.Is(err, providers.ErrRateLimited) {
		t.Fatalf("ListInstances() error = %v, want ErrRateLimited", err)
	}
	after, ok := providers.RetryAfter(err)
	if !ok || after <= 0 || after > 31*time.Second {
		t.Errorf("RetryAfter(%v) = %v, %v, want about 30s from RateLimit-Reset", err, after, ok)
	}
	if pe := asProviderError(t, "ListInstances", err); pe.Message != "limit of 3600 requests per hour reached" {
		t.Errorf("ListInstances() message = %q, want Hetzner's", pe.Message)
	}
	if n := emu.Calls("GET /v1/servers"); n != 3 {
		t.Errorf("GET /v1/servers calls = %d, want 3 (1 + 2 retries)", n)
	}
}

func TestQuotaExceeded(t *testing.T) {
	emu := newEmulator(t)
	emu.SetMaxServers(1)
	emu.AddServer("existing", nil)
	p := newProvider(t, emu)
	_, err := p.CreateInstance(t.Context(), validRequest("one-too-many"))
	if !errors.Is(err, providers.ErrQuota) {
		t.Fatalf("CreateInstance() beyond the server limit error = %v, want ErrQuota", err)
	}
	pe := asProviderError(t, "CreateInstance", err)
	if pe.Message != "server limit exceeded" || pe.Hint == "" {
		t.Errorf("CreateInstance() error = %+v, want Hetzner's message and a hint", pe)
	}
}

func TestErrorWithoutJSONBody(t *testing.T) {
	tests := []struct {
		status int
		want   error
	}{
		{http.StatusUnauthorized, providers.ErrAuth},
		{http.StatusNotFound, providers.ErrNotFound},
		{http.StatusTooManyRequests, providers.ErrRateLimited},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte("<html>proxy says no</html>"))
			}))
			defer srv.Close()
			p, err := New(Config{Token: secret.New(testToken), BaseURL: srv.URL + "/v1", MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			_, err = p.CreateInstance(t.Context(), validRequest("x"))
			if !errors.Is(err, tt.want) {
				t.Errorf("CreateInstance() on a bare %d error = %v, want errors.Is(err, %v)", tt.status, err, tt.want)
			}
		})
	}
}
