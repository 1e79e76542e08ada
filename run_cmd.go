package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/bot"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/metrics"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store"
)

// shutdownGrace bounds how long a shutdown waits for work in flight once
// Slack's envelopes are acked: well within the 10 s a container runtime
// gives before SIGKILL (which is safe too, only less tidy).
const shutdownGrace = 8 * time.Second

// slackTokens reads and checks the two Slack tokens. The messages name the
// variable and never the value.
func slackTokens(getenv func(string) string) (app, botTok secret.Value, err error) {
	check := func(name, prefix, what string) (secret.Value, error) {
		v, err := secret.FromEnv(getenv, name)
		if err != nil {
			return v, err
		}
		if v.Empty() {
			return v, fmt.Errorf("%s is not set: %s (or set %s_FILE to a file holding it)", name, what, name)
		}
		if !strings.HasPrefix(v.Reveal(), prefix) {
			return v, fmt.Errorf("%s does not look like a %s token: it should start with %q", name, strings.TrimSuffix(prefix, "-"), prefix)
		}
		return v, nil
	}
	if app, err = check("SLACK_APP_TOKEN", "xapp-", "create an app-level token with the connections:write scope"); err != nil {
		return
	}
	botTok, err = check("SLACK_BOT_TOKEN", "xoxb-", "install the app to the workspace and copy its Bot User OAuth Token")
	return
}

// runBot is `spuffbot run`: the Slack bot over Socket Mode.
func runBot(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default $SPUFF_CONFIG)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "spuffbot run: unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	cfg, err := loadConfig(*cfgPath, getenv)
	if err != nil {
		return err
	}
	appTok, botTok, err := slackTokens(getenv)
	if err != nil {
		return err
	}
	m := metrics.New()
	a, err := open(ctx, cfg, getenv, stderr, m)
	if err != nil {
		return err
	}
	defer a.close()

	svc := a.service()
	b := bot.New(bot.Config{
		AppToken:      appTok,
		BotToken:      botTok,
		APIURL:        getenv("SLACK_API_URL"),
		NotifyChannel: cfg.NotifyChannel,
		Logger:        a.log,
		Metrics:       m,
	}, svc)
	svc.Subscribe(b) // before anything runs: Run resumes operations

	if cfg.Listen != "" {
		stop, err := serveHealth(cfg.Listen, m, b, a)
		if err != nil {
			return err
		}
		defer stop()
	}
	m.SetSnapshotFunc(a.snapshot)
	go svc.Warm(ctx)
	bgCtx, stopBackground := context.WithCancel(ctx)
	defer stopBackground()
	bgDone := make(chan struct{})
	go func() {
		defer close(bgDone)
		svc.Background(bgCtx) // the only background loops: reconciler, lease reaper, approval expiry
	}()
	a.log.Info("starting", "provider", cfg.Clouds.Default, "clouds", strings.Join(cfg.EnabledClouds(), ","))
	err = b.Run(ctx)
	stopBackground()
	shutdown(a.log, bgDone, svc, b)
	return err // and the deferred a.close closes the database: nothing uses it any more
}

// shutdown is the rest of a graceful exit once Run has stopped taking
// envelopes and acked those in flight: the background loops end, the
// operations still running stop at their next step (staying journaled for
// the next start), the bot shows what they reported and records every
// thread it opened. Waiting for that takes at most shutdownGrace; then the
// bot's queued work is cancelled (Drain), and shutdown returns once no
// task and no operation uses the store any more, so that it can be closed.
func shutdown(log *slog.Logger, bgDone <-chan struct{}, svc *commands.Service, b *bot.Bot) {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	select {
	case <-bgDone:
	case <-ctx.Done():
	}
	if err := svc.Shutdown(ctx); err != nil {
		log.Warn("shutdown: operations still running; they resume on next start", "err", err)
	}
	if err := b.Drain(ctx); err != nil {
		log.Warn("shutdown: messages not shown", "err", err)
	}
	svc.Wait() // the operations stopped at Shutdown have returned
	log.Info("stopped")
}

// serveHealth serves /metrics, /healthz and /readyz on addr until stop.
func serveHealth(addr string, m *metrics.Metrics, b *bot.Bot, a *app) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	h := m.Handler(
		metrics.Check{Name: "socket", Func: func(context.Context) error {
			if !b.Connected() {
				return errors.New("not connected to Slack")
			}
			return nil
		}},
		metrics.Check{Name: "database", Func: func(ctx context.Context) error { return a.db.Ping(ctx) }},
	)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// snapshot reads the gauges /metrics reports: running instances and spend
// per hour by cloud, pending approvals.
func (a *app) snapshot(ctx context.Context) (metrics.Snapshot, error) {
	live, err := a.db.ListInstances(ctx, store.InstanceFilter{LiveOnly: true})
	if err != nil {
		return metrics.Snapshot{}, err
	}
	snap := metrics.Snapshot{Running: map[string]int{}, SpendPerHour: map[string]float64{}}
	for _, name := range a.cfg.EnabledClouds() {
		snap.Running[name], snap.SpendPerHour[name] = 0, 0
	}
	for _, in := range live {
		snap.Running[in.Provider]++
		snap.SpendPerHour[in.Provider] += in.PriceHourly
	}
	pending, err := a.db.ListApprovals(ctx, true)
	if err != nil {
		return metrics.Snapshot{}, err
	}
	snap.ApprovalsPending = len(pending)
	return snap, nil
}
