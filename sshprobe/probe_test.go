package sshprobe_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/sshprobe/sshprobetest"
)

func TestProbeReadsHostKey(t *testing.T) {
	t.Parallel()
	srv := sshprobetest.New(t)
	p := sshprobe.New(sshprobe.Config{Port: srv.Port, Wait: time.Minute})
	key, err := p.Probe(t.Context(), srv.Host)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if key.Fingerprint != srv.Fingerprint() || key.Type != ssh.KeyAlgoED25519 {
		t.Errorf("Probe = %s %s, want %s %s", key.Type, key.Fingerprint, ssh.KeyAlgoED25519, srv.Fingerprint())
	}
	// The known_hosts line is one ssh itself accepts for this address.
	_, hosts, pub, _, _, err := ssh.ParseKnownHosts([]byte(key.KnownHosts))
	if err != nil {
		t.Fatalf("ParseKnownHosts(%q): %v", key.KnownHosts, err)
	}
	wantHost := "[127.0.0.1]:" + strconv.Itoa(srv.Port)
	if len(hosts) != 1 || hosts[0] != wantHost || ssh.FingerprintSHA256(pub) != srv.Fingerprint() {
		t.Errorf("known_hosts line %q names %v with %s, want %s with %s", key.KnownHosts, hosts, ssh.FingerprintSHA256(pub), wantHost, srv.Fingerprint())
	}
}

func TestProbeGivesUp(t *testing.T) {
	t.Parallel()
	p := sshprobe.New(sshprobe.Config{Port: sshprobetest.ClosedPort(t), Wait: 300 * time.Millisecond, Interval: 50 * time.Millisecond})
	_, err := p.Probe(t.Context(), "127.0.0.1")
	if !errors.Is(err, sshprobe.ErrNoAnswer) {
		t.Errorf("Probe of a closed port = %v, want ErrNoAnswer", err)
	}
}

func TestProbeCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p := sshprobe.New(sshprobe.Config{Port: sshprobetest.ClosedPort(t)})
	_, err := p.Probe(ctx, "127.0.0.1")
	if !errors.Is(err, context.Canceled) || errors.Is(err, sshprobe.ErrNoAnswer) {
		t.Errorf("Probe with a cancelled context = %v, want context.Canceled", err)
	}
}
