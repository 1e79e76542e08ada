package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spuffbot/spuffbot/bot"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/config"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store"
)

// errCheckFailed is returned when `spuffbot check` found a problem.
var errCheckFailed = errors.New("some checks failed")

// checkTimeout bounds each remote check.
const checkTimeout = 20 * time.Second

// checkResult is one row of the check table.
type checkResult struct {
	what, result, fix string
	ok                bool
}

// runCheck is `spuffbot check`: validate the configuration, then ask Slack
// and every enabled cloud whether the credentials work, and print a table.
func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default $SPUFF_CONFIG)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	var results []checkResult
	if err != nil {
		results = append(results, checkResult{what: "configuration", result: err.Error(), fix: "correct the settings named above (docs/configuration.md lists them all)"})
	} else {
		results = append(results, checkResult{what: "configuration", result: "valid", ok: true})
		results = append(results, checkStore(ctx, cfg, getenv))
		results = append(results, checkSlack(ctx, getenv)...)
		results = append(results, checkClouds(ctx, cfg, getenv)...)
	}
	w := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "CHECK\tRESULT\tFIX")
	failed := 0
	for _, r := range results {
		mark := "ok"
		if !r.ok {
			mark, failed = "FAIL", failed+1
		}
		fmt.Fprintf(w, "%s\t%s: %s\t%s\n", r.what, mark, oneLine(r.result), r.fix)
	}
	w.Flush()
	if failed > 0 {
		return fmt.Errorf("%w (%d of %d)", errCheckFailed, failed, len(results))
	}
	return nil
}

// checkStore opens the store the bot would use and asks it a question. A
// bbolt file held by a running bot is fine: that is the bot using it.
func checkStore(ctx context.Context, cfg *config.Config, getenv func(string) string) checkResult {
	r := checkResult{what: "store"}
	cctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	db, err := openStore(cctx, cfg, getenv)
	switch {
	case errors.Is(err, store.ErrInUse):
		r.ok, r.result = true, fmt.Sprintf("%s is open in a running spuffbot", cfg.Database)
		return r
	case err != nil:
		r.result, r.fix = err.Error(), "fix SPUFF_STORE (etcd://host:2379) or SPUFF_DB (a writable path)"
		return r
	}
	defer db.Close()
	if err := db.Ping(cctx); err != nil {
		r.result, r.fix = err.Error(), "check that etcd is reachable and healthy"
		return r
	}
	r.ok, r.result = true, "reachable"
	if getenv(envStore) == "" {
		r.result = "bbolt file " + cfg.Database
	}
	return r
}

func checkSlack(ctx context.Context, getenv func(string) string) []checkResult {
	var out []checkResult
	for _, tok := range []struct{ name, prefix, fix string }{
		{"SLACK_APP_TOKEN", "xapp-", "create an app-level token with connections:write under Basic Information and set SLACK_APP_TOKEN"},
		{"SLACK_BOT_TOKEN", "xoxb-", "install the app and set SLACK_BOT_TOKEN to its Bot User OAuth Token"},
	} {
		r := checkResult{what: "slack " + tok.name, fix: tok.fix}
		v, err := secret.FromEnv(getenv, tok.name)
		switch {
		case err != nil:
			r.result = err.Error()
		case v.Empty():
			r.result = "not set"
		case !strings.HasPrefix(v.Reveal(), tok.prefix):
			r.result = fmt.Sprintf("does not start with %q", tok.prefix)
		default:
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			team, user, err := bot.CheckAuth(cctx, getenv("SLACK_API_URL"), v, nil)
			cancel()
			if err != nil {
				r.result = err.Error()
				if strings.Contains(err.Error(), "refused") {
					r.fix = "the token was revoked or belongs to another app: " + tok.fix
				} else {
					r.fix = "check the network path to Slack (and SLACK_API_URL, if set)"
				}
			} else {
				r.ok, r.result, r.fix = true, fmt.Sprintf("team %s as %s", team, user), ""
			}
		}
		out = append(out, r)
	}
	return out
}

func checkClouds(ctx context.Context, cfg *config.Config, getenv func(string) string) []checkResult {
	var out []checkResult
	env := providerEnv(cfg, getenv)
	for _, name := range cfg.EnabledClouds() {
		r := checkResult{what: "cloud " + name}
		p, err := registry().New(ctx, name, env)
		if err == nil {
			cctx, cancel := context.WithTimeout(ctx, checkTimeout)
			var list []providers.Instance
			list, err = p.ListInstances(cctx)
			cancel()
			if err == nil {
				r.ok, r.result = true, fmt.Sprintf("%d spuff instances running", len(list))
			}
		}
		if err != nil {
			r.result = commands.Explain(err, "check")
			r.fix = cloudFix(name, err)
		}
		out = append(out, r)
	}
	return out
}

// cloudFix says what to do about a cloud that failed its check.
func cloudFix(name string, err error) string {
	var pe *providers.Error
	if errors.As(err, &pe) && pe.Hint != "" {
		return pe.Hint
	}
	switch {
	case errors.Is(err, providers.ErrAuth):
		c, _ := registry().Lookup(name)
		return c.CheckHint
	case errors.Is(err, providers.ErrRateLimited):
		return "wait a minute and run check again"
	}
	return "check the network path to the cloud's API (and its endpoint variable, if set)"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
