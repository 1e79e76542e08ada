package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// seedAuditDB writes events to a new database file and closes it.
func seedAuditDB(t *testing.T, events ...store.AuditEvent) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "spuff.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatalf("bolt.Open: %v", err)
	}
	for _, ev := range events {
		if err := db.Audit(context.Background(), ev); err != nil {
			t.Fatalf("Audit: %v", err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return path
}

// runAuditT runs `spuffbot <args>` with env and returns stdout and stderr.
func runAuditT(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(t.Context(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, &errOut)
	return out.String(), errOut.String(), err
}

// exportedLine is a line of the export, decoded strictly.
type exportedLine struct {
	Time    string `json:"time"`
	Seq     uint64 `json:"seq"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Target  string `json:"target"`
	Outcome string `json:"outcome"`
	OpID    string `json:"op_id"`
}

// decodeExport checks that every line of out is one JSON object with
// exactly the export's keys, and returns them.
func decodeExport(t *testing.T, out string) []exportedLine {
	t.Helper()
	if out == "" {
		return nil
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("export does not end with a newline: %q", out)
	}
	wantKeys := []string{"action", "actor", "op_id", "outcome", "seq", "target", "time"}
	var lines []exportedLine
	for i, text := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var raw map[string]any
		if err := json.Unmarshal([]byte(text), &raw); err != nil {
			t.Fatalf("line %d %q is not a JSON object: %v", i, text, err)
		}
		var keys []string
		for k := range raw {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, wantKeys) {
			t.Errorf("line %d keys = %v, want %v", i, keys, wantKeys)
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		var l exportedLine
		if err := dec.Decode(&l); err != nil {
			t.Fatalf("line %d %q: %v", i, text, err)
		}
		if _, err := time.Parse(time.RFC3339Nano, l.Time); err != nil || !strings.HasSuffix(l.Time, "Z") {
			t.Errorf("line %d time %q is not RFC 3339 in UTC: %v", i, l.Time, err)
		}
		lines = append(lines, l)
	}
	return lines
}

func TestAuditExport(t *testing.T) {
	now := time.Now()
	tenDays := now.Add(-240 * time.Hour).Truncate(time.Second).Add(123456789)
	path := seedAuditDB(t,
		store.AuditEvent{Time: tenDays, Actor: "U0ALICE", Action: "up", Target: "old-box", Outcome: "ok", OpID: "op-1"},
		store.AuditEvent{Time: now.Add(-72 * time.Hour), Actor: "U0BOB", Action: "approve", Target: "box", Outcome: "ok", OpID: "op-2"},
		store.AuditEvent{Time: now.Add(-time.Hour), Actor: "U0MALLORY", Action: "down", Target: "box",
			Outcome: "refused: `box` belongs to <@U0ALICE> & \"friends\"\nsecond line"},
		store.AuditEvent{Time: now.Add(-time.Minute), Actor: "U0ROOT", Action: "audit", Outcome: "ok: 3 events"},
	)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string // actors, in order
	}{
		{"all", nil, []string{"--db", path}, []string{"U0ALICE", "U0BOB", "U0MALLORY", "U0ROOT"}},
		{"since 7d", nil, []string{"--since", "7d", "--db", path}, []string{"U0BOB", "U0MALLORY", "U0ROOT"}},
		{"since=24h", nil, []string{"--since=24h", "--db=" + path}, []string{"U0MALLORY", "U0ROOT"}},
		{"since 1d12h", nil, []string{"--db", path, "--since", "1d12h"}, []string{"U0MALLORY", "U0ROOT"}},
		{"since 30m", nil, []string{"--db", path, "--since", "30m"}, []string{"U0ROOT"}},
		{"since 10s", nil, []string{"--db", path, "--since", "10s"}, nil},
		{"SPUFF_DB", map[string]string{"SPUFF_DB": path}, nil, []string{"U0ALICE", "U0BOB", "U0MALLORY", "U0ROOT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, err := runAuditT(t, tt.env, append([]string{"audit", "export"}, tt.args...)...)
			if err != nil || errOut != "" {
				t.Fatalf("audit export %q = %v, stderr %q; want no error", tt.args, err, errOut)
			}
			lines := decodeExport(t, out)
			var actors []string
			for _, l := range lines {
				actors = append(actors, l.Actor)
			}
			if !slices.Equal(actors, tt.want) {
				t.Errorf("audit export %q actors = %v, want %v", tt.args, actors, tt.want)
			}
		})
	}

	out, _, err := runAuditT(t, nil, "audit", "export", "--db", path)
	if err != nil {
		t.Fatalf("audit export: %v", err)
	}
	lines := decodeExport(t, out)
	want := []exportedLine{
		{Time: tenDays.UTC().Format(time.RFC3339Nano), Seq: 1, Actor: "U0ALICE", Action: "up", Target: "old-box", Outcome: "ok", OpID: "op-1"},
		{Seq: 3, Actor: "U0MALLORY", Action: "down", Target: "box", Outcome: "refused: `box` belongs to <@U0ALICE> & \"friends\"\nsecond line"},
	}
	if lines[0] != want[0] {
		t.Errorf("first line = %+v, want %+v", lines[0], want[0])
	}
	if got := lines[2]; got.Seq != want[1].Seq || got.Outcome != want[1].Outcome || got.OpID != "" {
		t.Errorf("third line = %+v, want outcome %q intact and no op id", got, want[1].Outcome)
	}
	if !strings.Contains(out, "<@U0ALICE>") {
		t.Errorf("export escapes <@…> mentions, want them readable:\n%s", out)
	}
}

func TestAuditExportUsage(t *testing.T) {
	path := seedAuditDB(t, store.AuditEvent{Actor: "U0ALICE", Action: "up", Outcome: "ok"})
	tests := []struct {
		args   []string
		stderr string // stderr contains this
	}{
		{[]string{"audit"}, "spuffbot audit export"},
		{[]string{"audit", "import"}, `unknown command "import"`},
		{[]string{"audit", "--since", "7d"}, `unknown command "--since"`},
		{[]string{"audit", "export", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"audit", "export", "--db"}, "flag needs an argument: -db"},
		{[]string{"audit", "export", "--db", path, "--since", "7x"}, `--since: duration "7x"`},
		{[]string{"audit", "export", "--db", path, "--since", "7"}, "use a duration like 24h or 7d"},
		{[]string{"audit", "export", "--db", path, "--since", "0"}, "must be longer than zero"},
		{[]string{"audit", "export", "--db", path, "--since=-1d"}, "must be longer than zero"},
		{[]string{"audit", "export", "--db", path, "everything"}, `unexpected argument "everything"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, errOut, err := runAuditT(t, nil, tt.args...)
			if !errors.Is(err, errUsage) {
				t.Errorf("run(%q) = %v, want errUsage", tt.args, err)
			}
			if !strings.Contains(errOut, tt.stderr) || !strings.Contains(errOut, "Usage:") {
				t.Errorf("run(%q) stderr = %q, want it to contain %q and the usage", tt.args, errOut, tt.stderr)
			}
			if out != "" {
				t.Errorf("run(%q) stdout = %q, want nothing: it is the export's", tt.args, out)
			}
		})
	}

	out, _, err := runAuditT(t, nil, "audit", "help")
	if err != nil || !strings.Contains(out, "--since") {
		t.Errorf("audit help = %v, %q; want the usage on stdout", err, out)
	}
	_, errOut, err := runAuditT(t, nil, "frobnicate")
	if !errors.Is(err, errUsage) || !strings.Contains(errOut, "spuffbot audit export") {
		t.Errorf("unknown command: %v, %q; want errUsage and a usage naming audit export", err, errOut)
	}
}

func TestAuditExportDatabaseProblems(t *testing.T) {
	t.Run("held by the bot", func(t *testing.T) {
		path := seedAuditDB(t)
		db, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		out, _, err := runAuditT(t, nil, "audit", "export", "--db", path)
		if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "stop the bot") || !strings.Contains(err.Error(), "copy") {
			t.Errorf("export of a held database = %v, want ErrInUse saying to stop the bot or use a copy", err)
		}
		if out != "" {
			t.Errorf("export of a held database wrote %q, want nothing", out)
		}
	})
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope.db")
		_, _, err := runAuditT(t, nil, "audit", "export", "--db", path)
		if err == nil || errors.Is(err, errUsage) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("export of a missing database = %v, want it said not to exist", err)
		}
		if _, statErr := os.Stat(path); !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("export of a missing database created %s (stat: %v)", path, statErr)
		}
	})
}
