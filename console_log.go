package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/spuffbot/spuffbot/commands"
)

// consoleLogPath is where `spuffbot console` writes its log lines: beside
// the database file, named after it ("./spuffbot.db" logs to
// "./spuffbot-console.log").
func consoleLogPath(database string) string {
	return strings.TrimSuffix(database, filepath.Ext(database)) + "-console.log"
}

// consoleLog opens the console's log file for appending. The console's
// output is the conversation: a log line never goes there, so when the
// file cannot be opened the lines are dropped.
func consoleLog(database string) (w io.Writer, closeFn func()) {
	f, err := os.OpenFile(consoleLogPath(database), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return io.Discard, func() {}
	}
	return f, func() { _ = f.Close() }
}

// runBackground runs the Service's periodic work (leases, idle checks,
// reconciling) while the console runs, as the bot does; the function it
// returns stops it and waits for it.
func runBackground(ctx context.Context, svc *commands.Service) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { svc.Background(ctx) })
	return func() {
		cancel()
		wg.Wait()
	}
}
