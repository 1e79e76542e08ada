package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

const auditUsage = `Usage:
  spuffbot audit export [--since 7d] [--db PATH] [--config FILE]

Writes the audit log to stdout as JSON lines, oldest first, one event a line:
  {"time":"2025-03-10T09:00:00.123Z","seq":42,"actor":"U0ALICE","action":"up",
   "target":"web-test","outcome":"ok","op_id":"..."}
Every key is always present; time is RFC 3339 in UTC.

  --since D      only events of the last D, e.g. 24h, 90m or 7d (default: all)
  --db PATH      database file (default $SPUFF_DB or ./spuffbot.db)
  --config FILE  configuration file (default $SPUFF_CONFIG)

The running bot holds a lock on the database file: stop it first, or export
from a copy of the file (a backup) with --db.
`

// auditLine is one event of `spuffbot audit export`, as SIEMs ingest it.
type auditLine struct {
	Time    string `json:"time"`
	Seq     uint64 `json:"seq"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Target  string `json:"target"`
	Outcome string `json:"outcome"`
	OpID    string `json:"op_id"`
}

// runAudit is `spuffbot audit export`: the audit log as JSON lines on
// stdout, for a SIEM or a script. It opens only the store, not the clouds.
// bbolt lets one process at a time open the file, so while the bot runs the
// export fails with store.ErrInUse and says to stop the bot or to export a
// copy.
func runAudit(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, auditUsage)
		return errUsage
	}
	switch args[0] {
	case "export":
	case "help", "-h", "--help":
		fmt.Fprint(stdout, auditUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "spuffbot audit: unknown command %q\n\n%s", args[0], auditUsage)
		return errUsage
	}
	fset := flag.NewFlagSet("audit export", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(fset.Output(), auditUsage) }
	sinceText := fset.String("since", "", "only events of the last `duration`")
	dbPath := fset.String("db", "", "database file")
	cfgPath := fset.String("config", "", "configuration file")
	if err := fset.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fset.NArg() > 0 {
		fmt.Fprintf(stderr, "spuffbot audit export: unexpected argument %q\n\n%s", fset.Arg(0), auditUsage)
		return errUsage
	}
	var since time.Time
	if *sinceText != "" {
		d, err := grammar.ParseDuration(*sinceText)
		if err == nil && d <= 0 {
			err = fmt.Errorf("duration %q must be longer than zero", *sinceText)
		}
		if err != nil {
			fmt.Fprintf(stderr, "spuffbot audit export: --since: %v; use a duration like 24h or 7d\n\n%s", err, auditUsage)
			return errUsage
		}
		since = time.Now().Add(-d)
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return err
	}
	if *dbPath != "" {
		cfg.Database = *dbPath
	}
	db, err := openAuditStore(cfg.Database)
	if err != nil {
		return err
	}
	defer db.Close()
	events, err := db.ListAudit(ctx, since, 0)
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	return writeAuditLines(stdout, events)
}

// openAuditStore opens the database at path, which must exist: exporting
// from a mistyped path should not leave an empty database behind.
func openAuditStore(path string) (*bolt.DB, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("audit export: database %s does not exist; name the bot's file with --db or SPUFF_DB", path)
	}
	db, err := bolt.Open(path, bolt.Options{})
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("audit export: %w; stop the bot first, or export from a copy of the file with --db", err)
	}
	if err != nil {
		return nil, fmt.Errorf("audit export: %w", err)
	}
	return db, nil
}

// writeAuditLines writes one JSON object a line.
func writeAuditLines(w io.Writer, events []store.AuditEvent) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false) // outcomes hold <@U…> mentions; keep them readable
	for _, ev := range events {
		line := auditLine{
			Time:    ev.Time.UTC().Format(time.RFC3339Nano),
			Seq:     ev.Seq,
			Actor:   ev.Actor,
			Action:  ev.Action,
			Target:  ev.Target,
			Outcome: ev.Outcome,
			OpID:    ev.OpID,
		}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("audit export: write: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit export: write: %w", err)
	}
	return nil
}
