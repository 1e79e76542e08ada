package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/console"
)

// runConsole is `spuffbot console`: the Service in a terminal.
func runConsole(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", envOr(getenv, "USER", "you"), "act as this user")
	dbPath := fs.String("db", "", "database file (default $SPUFF_DB or ./spuffbot.db)")
	provider := fs.String("provider", "", "default cloud (default $SPUFF_PROVIDER or demo)")
	cfgPath := fs.String("config", "", "configuration file (default $SPUFF_CONFIG)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spuffbot console: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return err
	}
	if *provider != "" {
		if err := overrideCloud(cfg, *provider); err != nil {
			return err
		}
	}
	if *dbPath != "" {
		cfg.Database = *dbPath
	}
	logOut, closeLog := consoleLog(cfg.Database) // console_log.go: the output is the conversation, logs go to a file
	defer closeLog()
	a, err := open(ctx, cfg, getenv, logOut, nil)
	if err != nil {
		return err
	}
	defer a.close()

	interactive := isTerminal(stdin)
	prompt := ""
	if interactive {
		prompt = "spuff> "
		fmt.Fprintf(stdout, "spuffbot console — acting as %s on %s. Type `help`, Ctrl-D to leave.\n", *user, commands.Label(cfg.Clouds.Default))
	}
	svc := a.service()
	con := console.New(console.Config{In: stdin, Out: stdout, User: *user, Logger: a.log, Prompt: prompt, Service: svc})
	svc.Subscribe(con)
	if _, err := svc.Resume(ctx); err != nil {
		return err
	}
	svc.Wait()
	defer runBackground(ctx, svc)() // console_log.go
	return con.Run(ctx)
}

func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
