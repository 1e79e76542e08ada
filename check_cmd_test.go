package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestCheck(t *testing.T) {
	slack := slacktest.New()
	defer slack.Close()
	do := providertest.NewDigitalOcean()
	defer do.Close()
	do.RequireToken("do-token")

	good := map[string]string{
		"SLACK_API_URL":   slack.APIURL(),
		"SLACK_APP_TOKEN": slack.AppToken(),
		"SLACK_BOT_TOKEN": slack.BotToken(),
		"SPUFF_PROVIDER":  "digitalocean", "DIGITALOCEAN_TOKEN": "do-token", "DIGITALOCEAN_API_URL": do.URL,
		"SPUFF_DB": filepath.Join(t.TempDir(), "spuff.db"),
	}
	for _, tc := range []struct {
		name    string
		change  map[string]string
		wantErr bool
		want    []string
	}{
		{"all good", nil, false, []string{"configuration  ok: valid", "store  ok: bbolt file", "slack SLACK_BOT_TOKEN  ok: team", "cloud digitalocean  ok: 0 spuff instances running"}},
		{"bad slack token", map[string]string{"SLACK_BOT_TOKEN": "xoxb-wrong"}, true,
			[]string{"FAIL: slack refused the token: invalid_auth", "Bot User OAuth Token"}},
		{"bad cloud token", map[string]string{"DIGITALOCEAN_TOKEN": "nope-secret"}, true,
			[]string{"cloud digitalocean  FAIL", "DIGITALOCEAN_TOKEN"}},
		{"bad config", map[string]string{"SPUFF_MAX_LEASE": "3x"}, true, []string{"SPUFF_MAX_LEASE", "configuration  FAIL"}},
		{"bad store", map[string]string{"SPUFF_STORE": "redis://x"}, true, []string{"store  FAIL: SPUFF_STORE: want etcd://host:2379"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			for k, v := range tc.change {
				env[k] = v
			}
			var out, errOut bytes.Buffer
			err := run(context.Background(), []string{"check"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
			if tc.wantErr != errors.Is(err, errCheckFailed) {
				t.Errorf("check err = %v, want failure %v", err, tc.wantErr)
			}
			text := strings.Join(strings.Fields(out.String()), " ")
			for _, w := range tc.want {
				if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
					t.Errorf("check output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Contains(out.String(), "nope-secret") {
				t.Errorf("check output shows the token:\n%s", out.String())
			}
		})
	}
}
