package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// People of the end-to-end tests, besides slacktest.DefaultUser (alice).
const (
	alice   = slacktest.DefaultUser
	bob     = "U0BOB"     // an approver
	mallory = "U0MALLORY" // neither owner nor approver
	general = slacktest.DefaultChannel
	opsChan = "C0OPS" // the team channel, when a test sets one
)

// harness is a real Bot with a real slack-go client against the fake
// Slack, a real Service over a bbolt file and the demo cloud.
type harness struct {
	t     testing.TB
	ctx   context.Context
	slack *slacktest.Server
	demo  *demo.Provider
	db    *bolt.DB
	svc   *commands.Service
	bot   *Bot
	logs  *testsync.Buffer

	background bool // start runs Service.Background too

	stop func() error // ends Run and returns its error
}

type setup struct {
	svc      commands.Config
	bot      Config
	provider func(*demo.Provider) providers.Provider // wraps the demo cloud
	noWarm   bool                                    // leave the catalog uncached
	noRun    bool                                    // the test calls start itself
	clouds   map[string]providers.Provider           // more clouds besides "demo"

	// background runs Service.Background, as spuffbot run does, with
	// ReapEvery short enough for approval expiry and ReconcileEvery long.
	background bool
}

// newHarness starts everything; the test's cleanup stops it, in order.
func newHarness(t testing.TB, opts ...func(*setup)) *harness {
	t.Helper()
	var su setup
	su.svc.MaxInstancesPerUser = -1
	su.svc.PollInterval = 5 * time.Millisecond
	for _, o := range opts {
		o(&su)
	}
	limit := 30 * time.Second // a broken test fails instead of hanging
	if _, ok := t.(*testing.B); ok {
		limit = 10 * time.Minute
	}
	ctx, cancel := context.WithTimeout(t.Context(), limit)
	t.Cleanup(cancel)

	s := slacktest.New()
	s.CreateChannel(opsChan)
	d := demo.New(demo.Config{ReadyAfter: 5 * time.Millisecond, PollInterval: 5 * time.Millisecond})
	var p providers.Provider = d
	if su.provider != nil {
		p = su.provider(d)
	}
	db, err := bolt.Open(filepath.Join(t.TempDir(), "spuff.db"), bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testsync.Buffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	su.svc.Logger = logger
	provs := map[string]providers.Provider{"demo": p}
	maps.Copy(provs, su.clouds)
	if su.background {
		su.svc.ReapEvery, su.svc.ReconcileEvery = 20*time.Millisecond, time.Hour
	}
	svc := commands.New(su.svc, db, provs, nil)
	if !su.noWarm {
		svc.Warm(ctx)
	}
	su.bot.AppToken, su.bot.BotToken = secret.New(s.AppToken()), secret.New(s.BotToken())
	su.bot.APIURL = strings.TrimSuffix(s.APIURL(), "/") // New adds the slash back
	su.bot.Logger = logger
	b := New(su.bot, svc)
	svc.Subscribe(b)

	h := &harness{t: t, ctx: ctx, slack: s, demo: d, db: db, svc: svc, bot: b, logs: logs, background: su.background}
	h.stop = func() error { return nil }
	t.Cleanup(func() {
		if err := h.stop(); err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
		svc.Wait()
		if err := b.Drain(context.Background()); err != nil {
			t.Errorf("Drain = %v", err)
		}
		_ = db.Close()
		s.Close()
		for _, tok := range []string{s.AppToken(), s.BotToken()} {
			if strings.Contains(logs.String(), tok) {
				t.Errorf("a token appears in the log:\n%s", logs.String())
			}
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	if !su.noRun {
		h.start()
		if err := s.WaitConnected(ctx, 1); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

// start runs the bot, and the Service's background loops when the setup
// asks for them, until the test ends.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(h.ctx)
	done, background := make(chan error, 1), make(chan struct{})
	go func() { done <- h.bot.Run(ctx) }()
	go func() {
		defer close(background)
		if h.background {
			h.svc.Background(ctx)
		}
	}()
	h.stop = func() error {
		cancel()
		err := <-done
		<-background
		return err
	}
}

// slash sends "/spuff text" as user in channel and returns the ack.
func (h *harness) slash(user, channel, text string) slacktest.Ack {
	h.t.Helper()
	id, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{UserID: user, ChannelID: channel, Text: text})
	if err != nil {
		h.t.Fatal(err)
	}
	ack, err := h.slack.WaitAck(h.ctx, id)
	if err != nil {
		h.t.Fatalf("/spuff %s: %v", text, err)
	}
	return ack
}

// waitMessage waits for a message in channel whose text contains want.
func (h *harness) waitMessage(channel, want string) slacktest.Message {
	h.t.Helper()
	m, err := h.slack.WaitMessage(h.ctx, channel, func(m slacktest.Message) bool { return strings.Contains(m.PlainText(), want) })
	if err != nil {
		h.t.Fatalf("no message with %q in %s: %v\nmessages: %s", want, channel, err, h.dump(channel))
	}
	return m
}

// waitEphemeral waits for an ephemeral message for user containing want.
func (h *harness) waitEphemeral(channel, user, want string) slacktest.Message {
	h.t.Helper()
	m, err := h.slack.WaitEphemeral(h.ctx, channel, user, func(m slacktest.Message) bool { return strings.Contains(m.PlainText(), want) })
	if err != nil {
		h.t.Fatalf("no ephemeral message with %q for %s in %s: %v\nmessages: %s", want, user, channel, err, h.dump(channel))
	}
	return m
}

// waitRoot waits until the top-level message ts of channel contains want.
func (h *harness) waitRoot(channel, ts, want string) slacktest.Message {
	h.t.Helper()
	var got slacktest.Message
	err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		got, _ = s.Message(channel, ts)
		return strings.Contains(got.PlainText(), want)
	})
	if err != nil {
		h.t.Fatalf("message %s in %s never contained %q; it reads %q", ts, channel, want, got.PlainText())
	}
	return got
}

// waitThread waits for a reply in the thread of ts containing want.
func (h *harness) waitThread(channel, ts, want string) slacktest.Message {
	h.t.Helper()
	var got slacktest.Message
	err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		for _, m := range s.Thread(channel, ts) {
			if strings.Contains(m.PlainText(), want) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		h.t.Fatalf("no reply with %q in thread %s: %v\nmessages: %s", want, ts, err, h.dump(channel))
	}
	return got
}

// dump lists a channel's messages for failure output.
func (h *harness) dump(channel string) string {
	var b strings.Builder
	for _, m := range h.slack.AllMessages(channel) {
		b.WriteString("\n  [" + m.TS + " thread=" + m.ThreadTS + "] " + strings.ReplaceAll(m.PlainText(), "\n", " / "))
	}
	return b.String()
}

// up runs /spuff up as user in general and returns the root message once
// it exists. Empty args type the command with every default spelled out:
// a bare `/spuff up` opens the modal instead.
func (h *harness) up(user, args string) slacktest.Message {
	h.t.Helper()
	if args == "" {
		args = "--provider demo"
	}
	ack := h.slash(user, general, "up "+args)
	if ack.Decoded.Text != "" || ack.Err != "" {
		h.t.Fatalf("/spuff up acked with %q (err %q), want an empty ack", ack.Decoded.Text, ack.Err)
	}
	return h.waitMessage(general, "<@"+user+">")
}

// instanceName returns the name of the only instance in root's text.
func instanceName(t *testing.T, root slacktest.Message) string {
	t.Helper()
	m := regexp.MustCompile("`([a-z][a-z0-9-]+)`").FindStringSubmatch(root.PlainText())
	if m == nil {
		t.Fatalf("no instance name in %q", root.PlainText())
	}
	return m[1]
}

// ipv4 matches an IPv4 address.
var ipv4 = regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`)

// ackText returns what the ack showed the person.
func ackText(a slacktest.Ack) string {
	var parts []string
	if a.Decoded.Text != "" {
		parts = append(parts, a.Decoded.Text)
	}
	if len(a.Decoded.Blocks) > 0 {
		var v any
		_ = json.Unmarshal(a.Decoded.Blocks, &v)
		raw, _ := json.Marshal(v)
		parts = append(parts, string(raw))
	}
	return strings.Join(parts, "\n")
}
