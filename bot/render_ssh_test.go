package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/store"
)

func TestRenderSSH(t *testing.T) {
	op := store.Operation{ID: "op1", Kind: store.OpUp, State: store.OpDone, Owner: "U0ALICE", Instance: "alice-box"}
	in := &store.Instance{Name: "alice-box", IP: "203.0.113.7", Owner: "U0ALICE"}
	key := &sshprobe.HostKey{Type: "ssh-ed25519", Fingerprint: "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU",
		KnownHosts: "203.0.113.7 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGbA1cEv0S9mcLjvL3ahpWWqmgoSiQ7SjUT+3q9vQv1W"}
	tests := []struct {
		name string
		ev   commands.Event
		want []string // in the message text, in order
	}{
		{"answering", commands.Event{Kind: commands.EventSSHAnswering, Op: op, Instance: in,
			SSH: &commands.SSHAnswer{HostKey: key, After: 23 * time.Second, Port: 22}},
			[]string{"ssh is answering (23 s after the IP)", key.Fingerprint, key.KnownHosts}},
		{"silent", commands.Event{Kind: commands.EventSSHSilent, Op: op, Instance: in,
			SSH: &commands.SSHAnswer{After: 5 * time.Minute, Port: 22}},
			[]string{"not answering on `203.0.113.7` after 5m", "ssh dev@203.0.113.7", "port 22", "/spuff status alice-box"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ok := renderProgress(tt.ev, "", time.Time{})
			if !ok {
				t.Fatalf("renderProgress(%s) shows nothing", tt.ev.Kind)
			}
			text := blocksText(m)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(text[at:], w)
				if i < 0 {
					t.Fatalf("message %q lacks %q after offset %d", text, w, at)
				}
				at += i + len(w)
			}
			if _, ok := renderRoot(tt.ev); ok {
				t.Errorf("renderRoot(%s) changes the root message, want it left as the ready one", tt.ev.Kind)
			}
			golden(t, "ssh_"+tt.name, m)
		})
	}
}

// blocksText returns the mrkdwn of m's section and context blocks, one
// line each.
func blocksText(m message) string {
	raw := rootKey(m)
	return strings.NewReplacer(`\n`, "\n", `\u003e`, ">", `\u003c`, "<", `\u0026`, "&").Replace(raw)
}
