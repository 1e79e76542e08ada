package main

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/internal/testsync"
)

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestRunServesSlack runs `spuffbot run` against the fake Slack and the
// demo cloud: /readyz turns ready only once the socket is connected, a
// /spuff up ends with an IP in its thread, and /metrics counted it.
func TestRunServesSlack(t *testing.T) {
	slack := slacktest.New()
	defer slack.Close()
	// Refuse the first connection attempts so that /readyz is seen unready.
	slack.RateLimitNext("apps.connections.open", 1, 2*time.Second)

	addr := freeAddr(t)
	env := map[string]string{
		"SLACK_API_URL": slack.APIURL(), "SLACK_APP_TOKEN": slack.AppToken(), "SLACK_BOT_TOKEN": slack.BotToken(),
		"SPUFF_DB": filepath.Join(t.TempDir(), "spuff.db"), "SPUFF_LISTEN": addr,
		"SPUFF_DEMO_READY_AFTER": "10ms", "SPUFF_LOG_LEVEL": "debug",
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	logs := &testsync.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, logs)
	}()

	base := "http://" + addr
	testsync.Until(t, "the health server", func() bool { code, _ := get(t, base+"/healthz"); return code == 200 })
	if code, body := get(t, base+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "socket") {
		t.Errorf("/readyz before the socket connected = %d %q, want 503 naming the socket", code, body)
	}
	if err := slack.WaitConnected(ctx, 1); err != nil {
		t.Fatalf("bot never connected: %v", err)
	}
	testsync.Until(t, "/readyz to turn ready", func() bool { code, _ := get(t, base+"/readyz"); return code == 200 })

	env2, err := slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "up devbox"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slack.WaitAck(ctx, env2); err != nil {
		t.Fatalf("no ack: %v", err)
	}
	root, err := slack.WaitMessage(ctx, slacktest.DefaultChannel, func(m slacktest.Message) bool {
		return strings.Contains(m.PlainText(), "devbox")
	})
	if err != nil {
		t.Fatalf("no root message: %v", err)
	}
	sshLine := regexp.MustCompile(`ssh dev@203\.0\.113\.\d+`)
	testsync.Until(t, "the ssh line in the thread", func() bool {
		for _, m := range slack.Thread(slacktest.DefaultChannel, root.TS) {
			if sshLine.MatchString(m.PlainText()) {
				return true
			}
		}
		return false
	})

	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`spuffbot_commands_total{outcome="ok",verb="up"} 1`,
		`spuffbot_ack_seconds_count 1`,
		`spuffbot_instances_running{cloud="demo"} 1`,
		`spuffbot_provider_call_seconds_count{cloud="demo",operation="CreateInstance"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after shutdown = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	for _, secret := range []string{slack.AppToken(), slack.BotToken()} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a Slack token appears in the log")
		}
	}
}

func TestRunRefusesBadTokens(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "SLACK_APP_TOKEN is not set"},
		{map[string]string{"SLACK_APP_TOKEN": "xoxb-oops"}, `SLACK_APP_TOKEN does not look like a xapp token`},
		{map[string]string{"SLACK_APP_TOKEN": "xapp-1"}, "SLACK_BOT_TOKEN is not set"},
		{map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xapp-2"}, "SLACK_BOT_TOKEN does not look like a xoxb token"},
	} {
		tc.env["SPUFF_DB"] = filepath.Join(t.TempDir(), "spuff.db")
		err := run(context.Background(), []string{"run"}, func(k string) string { return tc.env[k] }, nil, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("run with %v = %v, want an error containing %q", tc.env, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "xoxb-oops") || strings.Contains(err.Error(), "xapp-2")) {
			t.Errorf("error shows a token: %v", err)
		}
	}
}

func TestRunInvalidAuthExits(t *testing.T) {
	slack := slacktest.New()
	defer slack.Close()
	env := map[string]string{
		"SLACK_API_URL": slack.APIURL(), "SLACK_APP_TOKEN": "xapp-1-wrong", "SLACK_BOT_TOKEN": slack.BotToken(),
		"SPUFF_DB": filepath.Join(t.TempDir(), "spuff.db"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := run(ctx, []string{"run"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("run with a refused app token = %v, want an error naming SLACK_APP_TOKEN", err)
	}
}
