package console

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// TestPrintedFinalEventsAreReported checks that the console tells the
// Service once it printed an operation's final event, so that a restart
// does not print it again, and that a restart prints one it did not.
func TestPrintedFinalEventsAreReported(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "spuff.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	cloud := demo.New(demo.Config{PollInterval: time.Millisecond})
	start := func(in string) (*commands.Service, *bytes.Buffer) {
		out := &bytes.Buffer{}
		svc := commands.New(commands.Config{PollInterval: time.Millisecond, Logger: slog.New(slog.DiscardHandler)},
			db, map[string]providers.Provider{"demo": cloud}, nil)
		con := New(Config{In: strings.NewReader(in), Out: out, User: "alice", Logger: slog.New(slog.DiscardHandler), Service: svc})
		svc.Subscribe(con)
		if _, err := svc.Resume(t.Context()); err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		if err := con.Run(t.Context()); err != nil {
			t.Fatal(err)
		}
		svc.Wait()
		return svc, out
	}

	_, out := start("up box\n")
	if !strings.Contains(out.String(), "[box] ready") {
		t.Fatalf("console printed %q, want box ready", out)
	}
	ops, err := db.ListOperations(t.Context(), false)
	if err != nil || len(ops) != 1 || ops[0].State != store.OpDone || !ops[0].Reported {
		t.Fatalf("operations after up = %+v, %v; want one, done and reported", ops, err)
	}

	// A restart prints nothing again ...
	if _, out = start(""); strings.Contains(out.String(), "ready") {
		t.Errorf("restart printed %q, want nothing about box", out)
	}
	// ... unless the crash came before it was printed.
	if _, err := db.UpdateOperation(t.Context(), ops[0].ID, func(op *store.Operation) error { op.Reported = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, out = start(""); strings.Count(out.String(), "[box] ready") != 1 {
		t.Errorf("restart after a crash printed %q, want box ready once", out)
	}
	if op, err := db.GetOperation(t.Context(), ops[0].ID); err != nil || !op.Reported {
		t.Errorf("operation after the restart = %+v, %v; want reported", op, err)
	}
}
