// Command spuffbot is a Slack chat-ops bot for short-lived cloud dev VMs.
//
//	spuffbot run                 the Slack bot over Socket Mode
//	spuffbot check               check configuration and credentials
//	spuffbot console             try it in the terminal
//	spuffbot audit export        the audit log as JSON lines
//	spuffbot version
//
// main.go only wires: configuration from the environment -> store ->
// providers -> commands.Service -> a front end.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spuffbot/spuffbot/failpoint"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// errUsage marks a command-line mistake: usage was printed, exit 2.
var errUsage = errors.New("usage")

const usage = `spuffbot — short-lived cloud dev VMs from Slack

Usage:
  spuffbot run [--config FILE]
                             connect to Slack over Socket Mode and serve /spuff
  spuffbot check [--config FILE]
                             check the configuration, the Slack tokens and every
                             enabled cloud's credentials; exit 1 if any fails
  spuffbot console [--user NAME] [--db PATH] [--provider NAME]
                             type /spuff commands in the terminal
  spuffbot audit export [--since 7d] [--db PATH] [--config FILE]
                             write the audit log to stdout as JSON lines
  spuffbot version           print the version

Settings come from spuffbot.yaml (--config or SPUFF_CONFIG) and the
environment (SLACK_APP_TOKEN, SLACK_BOT_TOKEN, SPUFF_PROVIDER, SPUFF_DB, the
cloud tokens ...); docs/configuration.md lists them all. Several replicas
share their state in etcd with SPUFF_STORE=etcd://host:2379,...; see
docs/high-availability.md.
`

func main() {
	if err := failpoint.Enable(os.Getenv(failpoint.EnvVar)); err != nil { // crash tests only
		fmt.Fprintln(os.Stderr, "spuffbot:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, errUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "spuffbot:", err)
		os.Exit(1)
	}
}

// run is main without the process: it returns errUsage after printing
// usage for a command-line mistake.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "console":
		return runConsole(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "run":
		return runBot(ctx, args[1:], getenv, stderr)
	case "check":
		return runCheck(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "spuffbot", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprintf(stderr, "spuffbot: unknown command %q\n\n%s", args[0], usage)
	return errUsage
}
