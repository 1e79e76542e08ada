package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

// TestCheckHetznerTokenNames runs `spuffbot check` against the Hetzner
// emulator with the token under each name spuffbot accepts.
func TestCheckHetznerTokenNames(t *testing.T) {
	slack := slacktest.New()
	defer slack.Close()
	hz := providertest.NewHetzner()
	defer hz.Close()
	hz.RequireToken("hz-token")
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("hz-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"HCLOUD_TOKEN", map[string]string{"HCLOUD_TOKEN": "hz-token"}, true},
		{"HETZNER_TOKEN", map[string]string{"HETZNER_TOKEN": "hz-token"}, true},
		{"HETZNER_TOKEN_FILE", map[string]string{"HETZNER_TOKEN_FILE": file}, true},
		{"HCLOUD_TOKEN wins", map[string]string{"HCLOUD_TOKEN": "hz-token", "HETZNER_TOKEN": "wrong-secret"}, true},
		{"wrong HETZNER_TOKEN", map[string]string{"HETZNER_TOKEN": "wrong-secret"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{
				"SLACK_API_URL": slack.APIURL(), "SLACK_APP_TOKEN": slack.AppToken(), "SLACK_BOT_TOKEN": slack.BotToken(),
				"SPUFF_PROVIDER": "hetzner", "HCLOUD_ENDPOINT": hz.Endpoint(),
				"SPUFF_DB": filepath.Join(t.TempDir(), "spuff.db"),
			}
			for k, v := range tc.env {
				env[k] = v
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"check"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
			text := strings.Join(strings.Fields(out.String()), " ")
			switch {
			case tc.ok && (err != nil || !strings.Contains(text, "cloud hetzner ok: 0 spuff instances running")):
				t.Errorf("check = %v, want the Hetzner check to pass:\n%s", err, out.String())
			case !tc.ok && (!errors.Is(err, errCheckFailed) || !strings.Contains(text, "cloud hetzner FAIL")):
				t.Errorf("check = %v, want the Hetzner check to fail:\n%s", err, out.String())
			}
			if strings.Contains(out.String(), "wrong-secret") || strings.Contains(out.String(), "hz-token") {
				t.Errorf("check output shows a token:\n%s", out.String())
			}
		})
	}
}
