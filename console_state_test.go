package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConsoleDemoWorldPersists runs the console twice over one database
// file: the second run's demo cloud still has the first run's VM, so that
// a snapshot of it works, and no log line lands in the conversation.
func TestConsoleDemoWorldPersists(t *testing.T) {
	db := filepath.Join(t.TempDir(), "spuff.db")
	env := map[string]string{"SPUFF_DEMO_READY_AFTER": "10ms"}
	if _, err := runConsoleT(t, env, "up box\n", "--user", "alice", "--db", db); err != nil {
		t.Fatalf("first console: %v", err)
	}
	out, err := runConsoleT(t, env, "snapshot create box\nlist\n", "--user", "alice", "--db", db)
	if err != nil {
		t.Fatalf("second console: %v", err)
	}
	if strings.Contains(out, "does not exist") || !strings.Contains(out, "snapshot") {
		t.Errorf("second console cannot snapshot the first one's VM:\n%s", out)
	}
	for _, leak := range []string{"level=", "msg="} {
		if strings.Contains(out, leak) {
			t.Errorf("a log line is in the conversation (%q):\n%s", leak, out)
		}
	}
	if _, err := os.Stat(consoleLogPath(db)); err != nil {
		t.Errorf("no console log file beside the database: %v", err)
	}
}
