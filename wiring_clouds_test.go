package main

import (
	"slices"
	"testing"

	"github.com/spuffbot/spuffbot/config"
)

// TestProviderEnv checks that a cloud's own settings from the file reach
// its constructor under their variable, and that a variable set wins.
func TestProviderEnv(t *testing.T) {
	cfg := config.Default()
	cfg.Cloud("aws").Settings["ssh_cidr"] = "198.51.100.0/24"
	tests := []struct {
		name string
		env  map[string]string
		key  string
		want string
	}{
		{"from the file", nil, "SPUFF_AWS_SSH_CIDR", "198.51.100.0/24"},
		{"variable wins", map[string]string{"SPUFF_AWS_SSH_CIDR": "203.0.113.0/24"}, "SPUFF_AWS_SSH_CIDR", "203.0.113.0/24"},
		{"other variables pass", map[string]string{"HCLOUD_TOKEN": "t"}, "HCLOUD_TOKEN", "t"},
		{"unset", nil, "HCLOUD_ENDPOINT", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := providerEnv(cfg, func(k string) string { return tt.env[k] })
			if got := env(tt.key); got != tt.want {
				t.Errorf("providerEnv(%s) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

// TestCloudsRegistered checks that every cloud the binary links is known
// to the configuration.
func TestCloudsRegistered(t *testing.T) {
	if got, want := registry().Names(), []string{"aws", "demo", "digitalocean", "hetzner"}; !slices.Equal(got, want) {
		t.Errorf("registered clouds = %v, want %v", got, want)
	}
	if got := config.KnownClouds(); !slices.Equal(got, registry().Names()) {
		t.Errorf("config.KnownClouds() = %v, want the registry's %v", got, registry().Names())
	}
}
