package hetzner

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

const testToken = "hz-test-token-5f1c"

// newEmulator starts a Hetzner emulator that requires testToken.
func newEmulator(t *testing.T) *providertest.Hetzner {
	t.Helper()
	emu := providertest.NewHetzner()
	t.Cleanup(emu.Close)
	emu.RequireToken(testToken)
	return emu
}

// newProvider returns a provider talking to emu with tiny poll and retry
// intervals; edit changes the config first.
func newProvider(t *testing.T, emu *providertest.Hetzner, edit ...func(*Config)) *Provider {
	t.Helper()
	cfg := Config{
		Token:        secret.New(testToken),
		BaseURL:      emu.Endpoint(),
		PollInterval: time.Millisecond,
		RetryBackoff: time.Millisecond,
	}
	for _, e := range edit {
		e(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	return p
}

func TestConformance(t *testing.T) {
	tests := []struct {
		name  string
		setup func(emu *providertest.Hetzner)
	}{
		{"Plain", func(*providertest.Hetzner) {}},
		{"PagedAndRateLimited", func(emu *providertest.Hetzner) {
			emu.SetPageSize(1)
			emu.FailFraction(0.2, providertest.Fault{Status: 429})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			providertest.Run(t, func(t *testing.T) providertest.Target {
				emu := newEmulator(t)
				tt.setup(emu)
				return providertest.Target{
					Provider: newProvider(t, emu),
					AddUnmanaged: func(t *testing.T) {
						emu.AddServer("someone-elses", map[string]string{"team": "web"})
					},
					SetReadyAfter: emu.SetReadyAfter,
					Unmanaged: func(t *testing.T) string {
						return strconv.FormatInt(emu.AddServer("billing-db", map[string]string{"team": "data"}), 10)
					},
					UnmanagedSnapshot: func(t *testing.T) string {
						return strconv.FormatInt(emu.AddSnapshot("their-backup", map[string]string{"team": "data"}), 10)
					},
					Faults: &providertest.FaultPoints{Knobs: &emu.Knobs, Create: "POST /v1/servers",
						Destroy: "DELETE /v1/servers/{id}", ServerError: 502, NameConflict: true},
					SetActivity: func(id string, busy bool) {
						l := providertest.IdleLoad
						if busy {
							l = providertest.BusyLoad
						}
						emu.SetLoad(id, l)
					},
				}
			})
		})
	}
}

func TestNewConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		kind error // nil: any error
	}{
		{"no token", Config{}, providers.ErrAuth},
		{"token with newline", Config{Token: secret.New("abc\ndef")}, providers.ErrAuth},
		{"endpoint without scheme", Config{Token: secret.New("t"), BaseURL: "api.example.com/v1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg)
			if p != nil || err == nil {
				t.Fatalf("New(%s) = %v, %v, want an error", tt.name, p, err)
			}
			if tt.kind != nil && !errors.Is(err, tt.kind) {
				t.Errorf("New(%s) error = %v, want errors.Is(err, %v)", tt.name, err, tt.kind)
			}
			if tt.kind == providers.ErrAuth && !strings.Contains(err.Error(), EnvToken) {
				t.Errorf("New(%s) error = %q, want it to name %s", tt.name, err, EnvToken)
			}
		})
	}
}

func TestFromEnv(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(testToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emu := newEmulator(t)
	tests := []struct {
		name    string
		env     map[string]string
		wantErr error // nil: success; providers.ErrAuth or any non-nil sentinel
	}{
		{"token", map[string]string{"HCLOUD_TOKEN": testToken, "HCLOUD_ENDPOINT": emu.Endpoint()}, nil},
		{"token file", map[string]string{"HCLOUD_TOKEN_FILE": tokenFile, "HCLOUD_ENDPOINT": emu.Endpoint()}, nil},
		{"no token", map[string]string{"HCLOUD_ENDPOINT": emu.Endpoint()}, providers.ErrAuth},
		{"missing token file", map[string]string{"HCLOUD_TOKEN_FILE": filepath.Join(dir, "nope")}, os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := FromEnv(t.Context(), func(k string) string { return tt.env[k] })
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("FromEnv(%v) error = %v, want errors.Is(err, %v)", tt.env, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromEnv(%v) error = %v", tt.env, err)
			}
			if p.Name() != "hetzner" {
				t.Errorf("FromEnv().Name() = %q, want %q", p.Name(), "hetzner")
			}
			before := emu.Calls("GET /v1/servers")
			if _, err := p.ListInstances(t.Context()); err != nil {
				t.Fatalf("ListInstances() through FromEnv provider error = %v", err)
			}
			if got := emu.Calls("GET /v1/servers") - before; got != 1 {
				t.Errorf("emulator saw %d GET /v1/servers calls, want 1 (HCLOUD_ENDPOINT honoured)", got)
			}
		})
	}
}
