package console

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

func TestRenderAudit(t *testing.T) {
	at := time.Date(2025, 3, 10, 9, 0, 5, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name  string
		reply commands.Reply
		want  []string // lines, with runs of spaces collapsed to one
	}{
		{
			name: "events",
			reply: commands.Reply{Audit: []store.AuditEvent{
				{Seq: 1, Time: at, Actor: "U0ALICE", Action: "up", Target: "box", Outcome: "ok", OpID: "op1"},
				{Seq: 2, Time: at.Add(time.Minute), Actor: "U0ROOT", Action: "audit", Outcome: "failed: line one\nline\ttwo"},
			}},
			want: []string{
				"TIME ACTOR ACTION TARGET OUTCOME",
				"2025-03-10 08:00:05 U0ALICE up box ok",
				"2025-03-10 08:01:05 U0ROOT audit - failed: line one line two",
			},
		},
		{
			name:  "empty log",
			reply: commands.Reply{Text: "The audit log is empty."},
			want:  []string{"The audit log is empty."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			New(Config{Out: &out}).render(tt.reply)
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("render(%+v) = %q, want %d lines", tt.reply, out.String(), len(tt.want))
			}
			for i, line := range lines {
				if got := strings.Join(strings.Fields(line), " "); got != tt.want[i] {
					t.Errorf("render line %d = %q, want %q", i, got, tt.want[i])
				}
			}
			if len(lines) > 1 {
				col := strings.Index(lines[0], "ACTOR")
				for _, line := range lines[1:] {
					if line[col-1] != ' ' || line[col] == ' ' {
						t.Errorf("render line %q is not aligned with the ACTOR column at %d", line, col)
					}
				}
			}
		})
	}
}
