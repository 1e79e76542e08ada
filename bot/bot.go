// Package bot is spuffbot's Slack front end. It receives /spuff commands
// and button clicks over Socket Mode, acknowledges each within
// milliseconds, runs it through commands.Service, and shows the progress
// of every operation in a Slack thread whose root message follows the
// operation's state. It posts approval cards with Approve and Deny
// buttons, one-line team notifications, and falls back to a command's
// response_url where it cannot post.
//
// Bot keeps the Socket Mode loop (bot.go, socket.go), the acks, the slash
// commands (slash.go, modal*.go) and each operation's thread (ops.go,
// notify.go). It routes the rest to the features, each a type that owns
// what it posted where, its lock and its button handlers, and is given at
// construction the part of Slack (poster) and of the Service it uses
// (cards.go):
//
//   - approvalCards (approvals.go): Approve / Deny cards
//   - leaseCards (lease.go, lease_click.go): lease warnings, owner notices
//   - idleCards (idle.go, idle_click.go): idle warnings
//   - orphanCards (orphan.go): VMs found without a record, for the admins
//   - homeTab (home.go, home_action.go): the App Home tab
//
// Notify routes each Service event to them in turn, on its operation's
// queue (show, notify.go); onInteraction routes each click by its action
// id, and onEvent the Home tab's app_home_opened (interact.go). No feature
// takes another's lock: what one needs of the bot goes through cardDeps.
//
// Rendering (render*.go, idle_render.go) is pure: Block Kit out of plain
// data, covered by golden files under testdata/. Every person- or
// cloud-provided string goes through the md type of escape.go.
//
// Lifecycle: New builds the bot over a Service, which the bot is then
// subscribed to (Service.Subscribe) before Run. Run serves envelopes until
// its context ends; the work they queue (thread messages, Home tabs) runs
// under the bot's own base context until Drain, which waits for it and, at
// its deadline, cancels it. The bot runs no periodic work of its own:
// Service.Background does.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/secret"
)

// Config configures a Bot.
type Config struct {
	// AppToken is the app-level token (xapp-) that opens Socket Mode
	// connections; BotToken (xoxb-) calls the Web API.
	AppToken, BotToken secret.Value
	// APIURL is the Slack Web API base. Zero: "https://slack.com/api/".
	// A missing trailing slash is added.
	APIURL string
	// NotifyChannel receives team notifications and approval cards. Zero:
	// no team notifications, and approval cards go to each approver by DM.
	NotifyChannel string
	// Logger receives the bot's log lines. Zero: slog.Default().
	Logger *slog.Logger
	// Now is the clock. Zero: time.Now.
	Now func() time.Time
	// HTTPClient makes the Web API and response_url calls. Zero: a client
	// with a 30 s timeout.
	HTTPClient *http.Client
	// WebTimeout bounds each Web API call. Zero: 15 s.
	WebTimeout time.Duration
	// Metrics records ack latency and command outcomes. Zero: none.
	Metrics Metrics
}

// Metrics is what the bot records; *metrics.Metrics implements it.
type Metrics interface {
	ObserveAck(d time.Duration)
	CommandDone(verb, outcome string)
}

type noMetrics struct{}

func (noMetrics) ObserveAck(time.Duration)   {}
func (noMetrics) CommandDone(string, string) {}

// Bot is the Slack front end of a commands.Service. Build it with New.
type Bot struct {
	cfg    Config
	svc    *commands.Service
	log    *slog.Logger
	web    *slack.Client // bot token: chat.*, conversations.open
	socket *slack.Client // app token: apps.connections.open

	connected atomic.Bool
	resume    sync.Once
	acks      *gate // envelopes not yet acked go before follow-up work

	mu  sync.Mutex
	ops map[string]*opState // op id -> what the bot shows of it

	// The features, each owning its state and lock; show and
	// onInteraction route events and clicks to them.
	approvals *approvalCards // approval cards (approvals.go)
	leases    *leaseCards    // lease warnings (lease.go)
	idle      *idleCards     // idle warnings (idle.go)
	orphans   *orphanCards   // orphan cards (orphan.go)
	home      *homeTab       // App Home tabs (home.go)

	handlers sync.WaitGroup // envelope handlers; Run waits for them
	tasks    *tasks         // queued work and its base context; Drain ends it
}

// New returns a Bot that runs commands through svc. It does no I/O.
// The bot shows the Service's events once it is subscribed to them:
//
//	b := bot.New(cfg, svc)
//	svc.Subscribe(b)
//
// and asks svc for the policy it shows (admins, how much Extend adds).
func New(cfg Config, svc *commands.Service) *Bot {
	if cfg.APIURL == "" {
		cfg.APIURL = slack.APIURL
	}
	if !strings.HasSuffix(cfg.APIURL, "/") {
		cfg.APIURL += "/"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Metrics == nil {
		cfg.Metrics = noMetrics{}
	}
	if cfg.WebTimeout <= 0 {
		cfg.WebTimeout = 15 * time.Second
	}
	retry := slack.DefaultRetryConfig()
	retry.RetryAfterJitter = 200 * time.Millisecond
	web := slack.New(cfg.BotToken.Reveal(),
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
		slack.OptionRetryConfig(retry), // 429s, honouring Retry-After
	)
	socket := slack.New(cfg.BotToken.Reveal(),
		slack.OptionAPIURL(cfg.APIURL),
		slack.OptionHTTPClient(cfg.HTTPClient),
		slack.OptionAppLevelToken(cfg.AppToken.Reveal()),
	)
	b := &Bot{
		cfg:    cfg,
		svc:    svc,
		log:    cfg.Logger,
		web:    web,
		socket: socket,
		ops:    make(map[string]*opState),
		acks:   newGate(maxDefer),
		tasks:  newTasks(),
	}
	d := b.cardDeps()
	b.approvals = newApprovalCards(d, svc, func(opID string, task func()) { b.enqueue(b.state(opID), task) })
	b.leases = newLeaseCards(d, svc)
	b.idle = newIdleCards(d, svc, cfg.Metrics)
	b.orphans = newOrphanCards(d, svc)
	b.home = newHomeTab(d, svc, b.tasks, b.acks)
	return b
}

// Connected reports whether the Socket Mode connection is up.
func (b *Bot) Connected() bool { return b.connected.Load() }

// errAuth is wrapped by the error Run returns when Slack refuses the app
// token.
var errAuth = errors.New("slack refused the app token")

// authErrors are the apps.connections.open errors that no retry fixes.
var authErrors = map[string]bool{
	"invalid_auth": true, "not_authed": true, "account_inactive": true, "token_revoked": true,
}

// Run connects over Socket Mode and serves commands and clicks until ctx
// ends, reconnecting after transient failures. Once connected it resumes
// the Service's unfinished operations. It returns nil when ctx ends, and
// an error when Slack refuses the app token.
//
// When ctx ends, Run stops taking envelopes (Slack sends the ones it
// leaves unacked again), lets the handlers in flight journal and ack
// theirs over the still open connection, then closes it and waits for the
// handlers. Operations it started go on: see Service.Shutdown and Drain.
func (b *Bot) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The connection and the handlers outlive ctx until the acks are out.
	conn, closeConn := context.WithCancel(context.WithoutCancel(ctx))
	defer closeConn()
	client := socketmode.New(b.socket)
	errc := make(chan error, 1)
	go func() { errc <- client.RunContext(conn) }()

	for {
		select {
		case err := <-errc:
			b.connected.Store(false)
			cancel()
			closeConn()
			b.handlers.Wait()
			return runError(ctx, err)
		case <-ctx.Done():
			b.connected.Store(false) // /readyz: going away
			b.acks.wait()            // every envelope taken is acked, or maxDefer passed
			// slack-go writes acks from a queue of its own: give it a
			// moment to send the last ones before the connection closes.
			time.Sleep(ackFlush)
			closeConn()
			b.handlers.Wait()
			return runError(ctx, <-errc)
		case evt := <-client.Events:
			b.dispatch(conn, client, evt)
		}
	}
}

// ackFlush is how long Run keeps the connection open at shutdown after the
// last ack was handed to slack-go.
const ackFlush = 100 * time.Millisecond

// runError turns the error RunContext ended with into Run's.
func runError(ctx context.Context, err error) error {
	var se slack.SlackErrorResponse
	var sc slack.StatusCodeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &se) && authErrors[se.Err]:
		return fmt.Errorf("slack: connect: %w (%s): check SLACK_APP_TOKEN and that Socket Mode is enabled", errAuth, se.Err)
	case errors.As(err, &sc) && sc.Code == http.StatusNotFound:
		return fmt.Errorf("slack: connect: %w (404): check SLACK_APP_TOKEN and SLACK_API_URL", errAuth)
	case ctx.Err() != nil:
		return nil // ctx ended: a shutdown, not a failure
	}
	return fmt.Errorf("slack: socket mode: %w", err)
}

// spawn runs fn in a goroutine that Run waits for. It is called from
// Run's goroutine or from a goroutine spawn started, never afterwards.
func (b *Bot) spawn(fn func()) {
	b.handlers.Add(1)
	go func() {
		defer b.handlers.Done()
		fn()
	}()
}
