package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// Config is the policy and defaults the Service applies. Zero values get
// the defaults documented on each field.
type Config struct {
	// DefaultProvider is used when a command names none. Zero: the only
	// provider when there is one, else "demo".
	DefaultProvider string
	// Defaults holds the default size, region and image per provider.
	// Zero: the cheapest available size and the first region of the catalog.
	Defaults map[string]Defaults
	// Admins may act on anyone's instances.
	Admins []string
	// Approvers decide on requests that need approval.
	Approvers []string
	// ApprovalAbove is the hourly price in USD above which a new VM needs an
	// approver; nil means approval is never needed, 0 means always.
	ApprovalAbove *float64
	// ApprovalExpiry is how long a request waits for a decision. Zero: 4h.
	ApprovalExpiry time.Duration
	// AllowedChannels restricts where commands are accepted. Empty: all.
	AllowedChannels []string
	// MaxInstancesPerUser caps a person's live instances. Zero: 3;
	// negative: no cap.
	MaxInstancesPerUser int
	// DefaultLease is an instance's lifetime when up has no --ttl. Zero: 8h.
	DefaultLease time.Duration
	// MaxLease caps --ttl and extend. Zero: 72h.
	MaxLease time.Duration
	// WarnBefore is how long before its lease ends an instance's owner is
	// warned (EventLeaseWarning). Zero: 30m.
	WarnBefore time.Duration
	// ExtendBy is how much the Extend button of a lease warning adds
	// (LeaseExtend). Zero: 2h.
	ExtendBy time.Duration
	// ReconcileEvery is how often Background compares each cloud with the
	// store (Reconcile). Zero: 5m.
	ReconcileEvery time.Duration
	// OrphanGrace is the age from which Reconcile destroys an orphan by
	// itself. Zero: never; orphans are only reported to the admins.
	OrphanGrace time.Duration
	// PollInterval is the wait between the calls that watch new instances
	// boot (one list per cloud for all of them), within a quarter of the
	// cloud's published rate limit; see poller. Zero: 1s.
	PollInterval time.Duration
	// Channels narrows what may be created per channel id.
	Channels map[string]ChannelPolicy
	// Budget is the per-person monthly spending limit. Zero: none.
	Budget Budget
	// CloudInit is extra cloud-config YAML merged into every VM's user
	// data (see package cloudinit). Zero: none.
	CloudInit string
	// ReapEvery is how often Background runs Reap and ExpireApprovals.
	// Zero: 1m.
	ReapEvery time.Duration
	// JournalRetention is how long a finished operation is kept before
	// Background removes it (see Prune). Zero: kept for good.
	JournalRetention time.Duration
	// AuditRetention is how long an audit event is kept. Zero: for good.
	AuditRetention time.Duration
	// HA says how replicas sharing a store split the work; see HAConfig.
	HA HAConfig
	// CreateTimeout is how long a cloud call whose outcome is unknown
	// (a create, destroy or snapshot that timed out or got a server
	// error) is looked up and retried before the operation fails. A
	// create's counts from its first journaling, across restarts.
	// Zero: 5m.
	CreateTimeout time.Duration
	// BootTimeout is how long a new VM may take to become ready (active
	// with a public IP) before it is destroyed. Zero: 10m.
	BootTimeout time.Duration
	// RetryBackoff is the first wait before a cloud call whose outcome is
	// unknown is tried again; it doubles, with jitter, up to 30s.
	// Zero: 2s.
	RetryBackoff time.Duration
	// AllowedImages are the custom image ids anyone may boot, as "id"
	// (on any cloud) or "provider:id". Admins may boot any id; the
	// clouds' public images are everyone's. Empty: none.
	AllowedImages []string
	// SSHProbe reads a new VM's ssh host key once it is ready, in the
	// background (EventSSHAnswering, EventSSHSilent). Nil: no probe.
	SSHProbe SSHProber
	// Idle is when an instance counts as forgotten (idle_policy.go).
	// Zero: no idle checks.
	Idle IdlePolicy
	// IdleChannels overrides Idle per channel id (the channel the
	// instance was created in); zero fields inherit Idle's.
	IdleChannels map[string]IdlePolicy
	// Now is the clock. Zero: time.Now.
	Now func() time.Time
	// Logger receives the service's log lines. Zero: slog.Default().
	Logger *slog.Logger
}

// Defaults are a provider's default size, region and image, and what
// people may ask for there.
type Defaults struct {
	Size, Region, Image string
	// AllowedSizes and AllowedRegions restrict requests. Nil: anything
	// the cloud offers.
	AllowedSizes, AllowedRegions []string
}

func (c *Config) setDefaults() {
	if c.ApprovalExpiry == 0 {
		c.ApprovalExpiry = 4 * time.Hour
	}
	if c.MaxInstancesPerUser == 0 {
		c.MaxInstancesPerUser = 3
	}
	if c.DefaultLease == 0 {
		c.DefaultLease = 8 * time.Hour
	}
	if c.MaxLease == 0 {
		c.MaxLease = 72 * time.Hour
	}
	if c.DefaultLease > c.MaxLease {
		c.DefaultLease = c.MaxLease
	}
	if c.WarnBefore == 0 {
		c.WarnBefore = 30 * time.Minute
	}
	if c.ExtendBy == 0 {
		c.ExtendBy = 2 * time.Hour
	}
	if c.ReconcileEvery == 0 {
		c.ReconcileEvery = 5 * time.Minute
	}
	if c.PollInterval == 0 {
		c.PollInterval = time.Second
	}
	if c.ReapEvery <= 0 {
		c.ReapEvery = time.Minute
	}
	c.HA.setDefaults()
	if c.CreateTimeout <= 0 {
		c.CreateTimeout = 5 * time.Minute
	}
	if c.BootTimeout <= 0 {
		c.BootTimeout = 10 * time.Minute
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = 2 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Caller is who runs a command, and where.
type Caller struct {
	User     string // Slack user id (or a console user name)
	UserName string // readable name, used to make instance names
	Channel  string
}

// Service runs /spuff commands. It is safe for concurrent use.
type Service struct {
	cfg       Config
	store     Store
	providers map[string]providers.Provider
	notifier  Notifier    // &subs: every subscriber (Subscribe)
	subs      subscribers // the front ends that receive events
	log       *slog.Logger
	catalogs  *catalogCache

	acceptMu sync.Mutex // serialises quota checks with the reservations they guard
	running  sync.Map   // op id -> struct{}: operations being run in this process
	wg       sync.WaitGroup
	stop     stopState // Shutdown (shutdown.go)
	ha       haState   // claims and leadership among replicas (ha.go)

	pollers pollerSet   // one readiness poller per cloud
	reap    reaper      // lease warnings and expiries
	orphans orphanBook  // what Reconcile has reported
	replays replayState // final events shown again (replay.go)
	leaseMu sync.Mutex  // serialises lease button clicks with the downs they journal
	idle    idleState   // idle checks (idle.go)
}

// New returns a Service over st with the given providers, reporting
// progress to n, which may be nil: a front end built over the Service
// subscribes to it afterwards (Subscribe). It does no I/O.
func New(cfg Config, st Store, provs map[string]providers.Provider, n Notifier) *Service {
	cfg.setDefaults()
	if cfg.DefaultProvider == "" {
		cfg.DefaultProvider = "demo"
		if len(provs) == 1 {
			for name := range provs {
				cfg.DefaultProvider = name
			}
		}
	}
	s := &Service{
		cfg:       cfg,
		store:     st,
		providers: provs,
		log:       cfg.Logger,
		catalogs:  newCatalogCache(provs, cfg.Now),
	}
	s.notifier = &s.subs
	s.Subscribe(n)
	s.pollers.init(s)
	return s
}

// Providers returns the names of the configured providers, sorted.
func (s *Service) Providers() []string {
	names := make([]string, 0, len(s.providers))
	for n := range s.providers {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// IsAdmin reports whether user is an admin.
func (s *Service) IsAdmin(user string) bool { return slices.Contains(s.cfg.Admins, user) }

// IsApprover reports whether user may decide on approvals.
func (s *Service) IsApprover(user string) bool { return slices.Contains(s.cfg.Approvers, user) }

// Approvers returns the configured approvers.
func (s *Service) Approvers() []string { return slices.Clone(s.cfg.Approvers) }

// Warm loads every provider's catalog so that later commands validate
// sizes and regions without a cloud call. Errors are logged, not returned:
// a cloud that is down now is retried on first use.
func (s *Service) Warm(ctx context.Context) {
	for _, name := range s.Providers() {
		if _, err := s.catalogs.get(ctx, name); err != nil {
			s.log.Warn("catalog not loaded", "provider", name, "err", err)
		}
	}
}

// Handle runs the quick part of cmd for c: parsing has happened, policy is
// checked, and commands that touch a cloud are journaled as an operation
// (Reply.Op) for Run to carry out. key makes the call idempotent: a second
// Handle with the same non-empty key returns the first operation with
// Reply.Duplicate set and starts nothing. Handle never calls a cloud
// unless the answer is cached, so it returns in milliseconds.
//
// A returned error is for a person: Explain turns it into a sentence.
func (s *Service) Handle(ctx context.Context, key string, c Caller, cmd grammar.Command) (Reply, error) {
	r, err := s.handle(ctx, key, c, cmd)
	var ue *UsageError
	if key != "" && errors.As(err, &ue) {
		// A redelivered request may be refused now only because its first
		// delivery went through (the name is taken, the quota is used).
		if op := s.opByKey(ctx, key); op != nil {
			return Reply{Op: op, Duplicate: true}, nil
		}
	}
	return r, err
}

// opByKey returns the operation journaled with idempotency key, or nil.
// It is one lookup in the store's key index.
func (s *Service) opByKey(ctx context.Context, key string) *store.Operation {
	op, err := s.store.FindOperationByKey(ctx, key)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("look up idempotency key", "err", err)
		}
		return nil
	}
	return op
}

func (s *Service) handle(ctx context.Context, key string, c Caller, cmd grammar.Command) (Reply, error) {
	if err := s.checkChannel(c, cmd); err != nil {
		s.audit(ctx, c.User, string(cmd.Verb), cmd.Name, "refused: "+err.Error(), "")
		return Reply{}, err
	}
	switch cmd.Verb {
	case grammar.VerbUp:
		return s.acceptUp(ctx, key, c, cmd)
	case grammar.VerbDown:
		return s.acceptDown(ctx, key, c, cmd)
	case grammar.VerbSnapshot:
		return s.handleSnapshot(ctx, key, c, cmd)
	case grammar.VerbList:
		return s.list(ctx, c, cmd)
	case grammar.VerbStatus:
		return s.status(ctx, c, cmd)
	case grammar.VerbExtend:
		return s.extend(ctx, c, cmd)
	case grammar.VerbKeep:
		return s.keep(ctx, key, c, cmd) // idle_click.go
	case grammar.VerbKey:
		return s.handleKey(ctx, c, cmd)
	case grammar.VerbSizes:
		return s.sizes(ctx, cmd)
	case grammar.VerbAudit:
		return s.auditLog(ctx, c, cmd)
	case grammar.VerbHelp:
		text, err := grammar.Help(cmd.Topic)
		return Reply{Text: text}, err
	}
	return Reply{}, refuse("try `/spuff help`", "unknown command `%s`", cmd.Verb)
}

func (s *Service) checkChannel(c Caller, cmd grammar.Command) error {
	if len(s.cfg.AllowedChannels) == 0 || slices.Contains(s.cfg.AllowedChannels, c.Channel) {
		return nil
	}
	switch cmd.Verb {
	case grammar.VerbHelp, grammar.VerbList, grammar.VerbStatus, grammar.VerbSizes, grammar.VerbKey, grammar.VerbAudit:
		return nil // read-only and personal: fine anywhere
	case grammar.VerbSnapshot:
		if cmd.Sub == "list" {
			return nil
		}
	}
	return refuseText(Concat(Textf("use it in one of: "), Channels(s.cfg.AllowedChannels)),
		Textf("`/spuff %s` is not allowed in this channel", cmd.Verb))
}

// provider returns the named provider, or the default.
func (s *Service) provider(name string) (string, providers.Provider, error) {
	if name == "" {
		name = s.cfg.DefaultProvider
	}
	p, ok := s.providers[name]
	if !ok {
		return "", nil, refuse(fmt.Sprintf("configured: %s", joinCode(s.Providers())), "cloud `%s` is not configured", name)
	}
	return name, p, nil
}

// Wait blocks until every operation started by this process has returned.
func (s *Service) Wait() { s.wg.Wait() }

func isCtxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
