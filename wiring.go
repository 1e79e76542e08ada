package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/console"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/hetzner"
	"github.com/spuffbot/spuffbot/store"
)

// registry lists the clouds this binary was built with.
func registry() *providers.Registry {
	var r providers.Registry
	r.Register("aws", aws.FromEnv)
	r.Register("demo", demo.FromEnv)
	r.Register("digitalocean", digitalocean.FromEnv)
	r.Register("hetzner", hetzner.FromEnv)
	return &r
}

// openProviders builds the named default provider. It does no network I/O.
func openProviders(ctx context.Context, name string, getenv func(string) string) (map[string]providers.Provider, error) {
	p, err := registry().New(ctx, name, getenv)
	if err != nil {
		return nil, err
	}
	return map[string]providers.Provider{name: p}, nil
}

func runConsole(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("console", flag.ContinueOnError)
	fs.SetOutput(stderr)
	user := fs.String("user", envOr(getenv, "USER", "you"), "act as this user")
	dbPath := fs.String("db", envOr(getenv, "SPUFF_DB", "./spuffbot.db"), "database file")
	provider := fs.String("provider", envOr(getenv, "SPUFF_PROVIDER", "demo"), "default cloud")
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
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := store.Open(*dbPath, store.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	provs, err := openProviders(ctx, *provider, getenv)
	if err != nil {
		return err
	}
	interactive := false
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			interactive = true
		}
	}
	con := console.New(console.Config{In: stdin, Out: stdout, User: *user, Logger: logger, Prompt: map[bool]string{true: "spuff> "}[interactive]})
	svc := commands.New(commands.Config{DefaultProvider: *provider, Logger: logger}, db, provs, con)
	if interactive {
		fmt.Fprintf(stdout, "spuffbot console — acting as %s on %s. Type `help`, Ctrl-D to leave.\n", *user, commands.Label(*provider))
	}
	if _, err := svc.Resume(ctx); err != nil {
		return err
	}
	svc.Wait()
	return con.Run(ctx, svc)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
