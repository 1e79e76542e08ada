package bot

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/sshprobe/sshprobetest"
)

// TestUpTellsWhenSSHAnswers runs /spuff up on the DigitalOcean emulator,
// which hands out 127.0.0.1 as the droplet's IP, with a real SSH server
// there: after the ready reply, the thread gets the server's host key
// fingerprint and a known_hosts line for it.
func TestUpTellsWhenSSHAnswers(t *testing.T) {
	emu := providertest.NewDigitalOcean()
	t.Cleanup(emu.Close)
	emu.SetReadyAfter(10 * time.Millisecond)
	emu.SetPublicIP("127.0.0.1")
	do, err := digitalocean.New(digitalocean.Config{Token: secret.New("t"), BaseURL: emu.URL,
		PollInterval: 5 * time.Millisecond, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	srv := sshprobetest.New(t)
	h := newHarness(t, func(s *setup) {
		s.clouds = map[string]providers.Provider{"digitalocean": do}
		s.svc.SSHProbe = sshprobe.New(sshprobe.Config{Port: srv.Port, Wait: 20 * time.Second, Interval: 20 * time.Millisecond})
	})
	root := h.up(alice, "--provider digitalocean")
	answer := h.waitThread(general, root.TS, "ssh is answering")
	text := answer.PlainText()
	line := "[127.0.0.1]:" + strconv.Itoa(srv.Port) + " ssh-ed25519 "
	if !strings.Contains(text, srv.Fingerprint()) || !strings.Contains(text, line) {
		t.Errorf("ssh reply %q, want fingerprint %s and a known_hosts line starting %q", text, srv.Fingerprint(), line)
	}
	thread := h.slack.Thread(general, root.TS)
	ready := slices.IndexFunc(thread, func(m slacktest.Message) bool { return strings.Contains(m.PlainText(), "ssh dev@127.0.0.1") })
	ssh := slices.IndexFunc(thread, func(m slacktest.Message) bool { return m.TS == answer.TS })
	if ready < 0 || ready > ssh {
		t.Errorf("ready reply at %d, ssh reply at %d in the thread, want the ready reply first:%s", ready, ssh, h.dump(general))
	}
}
