package console

import (
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/store"
)

func TestSSHEventLine(t *testing.T) {
	op := store.Operation{ID: "op1", Instance: "box"}
	in := &store.Instance{Name: "box", IP: "203.0.113.7"}
	key := &sshprobe.HostKey{Type: "ssh-ed25519", Fingerprint: "SHA256:abc", KnownHosts: "203.0.113.7 ssh-ed25519 AAAA"}
	tests := []struct {
		ev   commands.Event
		want string
	}{
		{commands.Event{Kind: commands.EventSSHAnswering, Op: op, Instance: in, SSH: &commands.SSHAnswer{HostKey: key, After: 23 * time.Second, Port: 22}},
			"[box] ssh is answering (23s after the IP); host key ssh-ed25519 SHA256:abc\n  known_hosts: 203.0.113.7 ssh-ed25519 AAAA"},
		{commands.Event{Kind: commands.EventSSHSilent, Op: op, Instance: in, SSH: &commands.SSHAnswer{After: 5 * time.Minute, Port: 2222}},
			"[box] ssh is not answering on 203.0.113.7 port 2222 after 5m0s"},
	}
	for _, tt := range tests {
		if got := EventLine(tt.ev); !strings.HasPrefix(got, tt.want) {
			t.Errorf("EventLine(%s) = %q, want it to start with %q", tt.ev.Kind, got, tt.want)
		}
	}
}
