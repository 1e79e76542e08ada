package digitalocean

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
)

const testToken = "dop_v1_test-token-0123456789"

// newTestProvider starts an emulator that requires testToken and returns a
// provider pointed at it, with tiny poll intervals and backoffs. mods
// adjust the config before New.
func newTestProvider(t *testing.T, mods ...func(*Config)) (*Provider, *providertest.DigitalOcean) {
	t.Helper()
	emu := providertest.NewDigitalOcean()
	t.Cleanup(emu.Close)
	emu.RequireToken(testToken)
	cfg := Config{
		Token:        secret.New(testToken),
		BaseURL:      emu.URL,
		PollInterval: time.Millisecond,
		RetryBackoff: time.Millisecond,
		MaxRetryWait: 5 * time.Millisecond,
	}
	for _, m := range mods {
		m(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return p, emu
}

func TestConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Target {
		p, emu := newTestProvider(t)
		return providertest.Target{
			Provider:          p,
			AddUnmanaged:      func(*testing.T) { emu.AddDroplet("someone-elses-droplet") },
			SetReadyAfter:     emu.SetReadyAfter,
			Unmanaged:         func(*testing.T) string { return strconv.Itoa(emu.AddDroplet("billing-db")) },
			UnmanagedSnapshot: func(*testing.T) string { return emu.AddSnapshot("their-backup") },
			Faults: &providertest.FaultPoints{Knobs: &emu.Knobs, Create: "POST /v2/droplets",
				Destroy: "DELETE /v2/droplets/{id}", ServerError: 500, NameConflict: true},
			SetActivity: setActivity(emu),
		}
	})
}

// TestConformanceUnderFaults runs the suite while a share of all calls is
// rate limited or fails with a server error before being served.
func TestConformanceUnderFaults(t *testing.T) {
	tests := []struct {
		name  string
		fault providertest.Fault
	}{
		{"rate limited", providertest.Fault{Status: 429}},
		{"server errors", providertest.Fault{Status: 500}},
		{"bad gateway", providertest.Fault{Status: 502}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) providertest.Target {
				p, emu := newTestProvider(t, func(c *Config) { c.MaxRetries = 10 })
				emu.FailFraction(0.25, tt.fault)
				return providertest.Target{
					Provider:      p,
					AddUnmanaged:  func(*testing.T) { emu.AddDroplet("someone-elses-droplet") },
					SetReadyAfter: emu.SetReadyAfter,
					SetActivity:   setActivity(emu),
				}
			})
		})
	}
}

func TestNewRequiresToken(t *testing.T) {
	_, err := New(Config{})
	if !errors.Is(err, providers.ErrAuth) {
		t.Fatalf("New(no token) error = %v, want ErrAuth", err)
	}
	if !strings.Contains(err.Error(), EnvToken) {
		t.Errorf("New(no token) error = %q, want it to name %s", err, EnvToken)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	_, err := New(Config{Token: secret.New("t"), BaseURL: "api.example"})
	if !errors.Is(err, providers.ErrInvalid) {
		t.Fatalf("New(BaseURL %q) error = %v, want ErrInvalid", "api.example", err)
	}
}

func TestFromEnv(t *testing.T) {
	emu := providertest.NewDigitalOcean()
	t.Cleanup(emu.Close)
	emu.RequireToken(testToken)
	emu.AddDroplet("managed", "spuff")
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr error
	}{
		{"token", map[string]string{EnvToken: testToken, EnvAPIURL: emu.URL}, nil},
		{"token file", map[string]string{EnvToken + "_FILE": tokenFile, EnvAPIURL: emu.URL}, nil},
		{"no token", map[string]string{EnvAPIURL: emu.URL}, providers.ErrAuth},
		{"wrong token", map[string]string{EnvToken: "dop_v1_wrong", EnvAPIURL: emu.URL}, providers.ErrAuth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string { return tt.env[k] }
			p, err := FromEnv(t.Context(), env)
			if err == nil {
				if p.Name() != "digitalocean" {
					t.Errorf("FromEnv().Name() = %q, want %q", p.Name(), "digitalocean")
				}
				var list []providers.Instance
				list, err = p.ListInstances(t.Context())
				if err == nil && len(list) != 1 {
					t.Errorf("ListInstances() = %d instances, want 1", len(list))
				}
			}
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("FromEnv(%v) then ListInstances error = %v, want %v", tt.name, err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), EnvToken) {
				t.Errorf("error %q does not name %s", err, EnvToken)
			}
		})
	}
}

func TestFromEnvUnreadableTokenFile(t *testing.T) {
	env := func(k string) string {
		if k == EnvToken+"_FILE" {
			return filepath.Join(t.TempDir(), "missing")
		}
		return ""
	}
	if _, err := FromEnv(t.Context(), env); err == nil || !strings.Contains(err.Error(), EnvToken+"_FILE") {
		t.Fatalf("FromEnv(missing token file) error = %v, want one naming %s_FILE", err, EnvToken)
	}
}
