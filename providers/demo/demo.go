// Package demo is an in-memory simulated cloud that implements
// providers.Provider. It lets people try spuffbot (the console front end,
// or the Slack bot without a cloud account) and lets the commands package
// test its Service against a provider with faults on demand.
//
// Instances start as providers.StatusNew and become providers.StatusActive,
// with a public IPv4 address from the documentation range 203.0.113.0/24,
// once Config.ReadyAfter has passed since they were created. The catalog
// offers four sizes, two regions ("demo-eu" and "demo-us") and three images.
// Labels are sanitised the way Hetzner Cloud does it: at most 63 characters
// of letters, digits, '-', '_' and '.', beginning and ending with a letter
// or digit.
//
// Besides the Provider interface, *Provider has helpers for tests:
// AddUnmanaged puts in an instance spuff did not create, Remove deletes one
// behind spuff's back, SetFailNext injects an error into the next call of a
// method and Calls counts the calls of each method.
package demo

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// providerName is the registry name of the demo cloud.
const providerName = "demo"

// DefaultReadyAfter is the boot time FromEnv uses when SPUFF_DEMO_READY_AFTER
// is not set: long enough to see the progress messages, short enough not to
// bore anyone.
const DefaultReadyAfter = 2 * time.Second

// EnvReadyAfter names the environment variable FromEnv reads: a Go duration
// such as "2s" or "500ms".
const EnvReadyAfter = "SPUFF_DEMO_READY_AFTER"

// EnvBusyFor names the environment variable FromEnv reads for
// Config.BusyFor: a Go duration, DefaultBusyFor when unset.
const EnvBusyFor = "SPUFF_DEMO_BUSY_FOR"

// DefaultBusyFor is how long FromEnv's instances are busy after they are
// created: long enough to see a busy VM left alone by the idle checks.
const DefaultBusyFor = 10 * time.Minute

const defaultPollInterval = 250 * time.Millisecond

// Config configures a demo cloud. The zero value makes instances ready at
// once and uses the wall clock.
type Config struct {
	// ReadyAfter is how long a new instance stays StatusNew before it is
	// active with a public IP. Zero (or negative) means at once.
	ReadyAfter time.Duration
	// PollInterval caps how long WaitReady sleeps before it reads the clock
	// again. With the wall clock WaitReady wakes up exactly when the
	// instance is ready, so this matters only when Now is a clock that a
	// test moves by hand. Zero means 250ms.
	PollInterval time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// BusyFor is how long a new instance reports BusyLoad before it goes
	// idle (IdleLoad); see Activity. Zero means idle from the start.
	BusyFor time.Duration
}

// Provider is the demo cloud. It is safe for concurrent use; the zero value
// is not usable, build one with New.
type Provider struct {
	now  func() time.Time
	poll time.Duration

	mu         sync.Mutex
	readyAfter time.Duration
	busyFor    time.Duration
	lastID     int // number of the last instance id handed out
	lastSnap   int // number of the last snapshot id handed out
	instances  map[string]*instance
	snapshots  map[string]*snapshot
	ips        ipPool
	calls      map[string]int
	failNext   map[string][]error
	store      StateStore // where the state is saved; nil: nowhere (persist.go)
	saveErr    error      // of the last save
}

var _ providers.Provider = (*Provider)(nil)

// New returns an empty demo cloud.
func New(cfg Config) *Provider {
	p := &Provider{
		now:        cfg.Now,
		poll:       cfg.PollInterval,
		readyAfter: max(cfg.ReadyAfter, 0),
		busyFor:    max(cfg.BusyFor, 0),
		instances:  make(map[string]*instance),
		snapshots:  make(map[string]*snapshot),
		calls:      make(map[string]int),
		failNext:   make(map[string][]error),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if p.poll <= 0 {
		p.poll = defaultPollInterval
	}
	return p
}

// FromEnv is the registry constructor. It reads SPUFF_DEMO_READY_AFTER (a
// Go duration, DefaultReadyAfter when unset) and needs no credentials.
func FromEnv(_ context.Context, env providers.Env) (providers.Provider, error) {
	cfg := Config{ReadyAfter: DefaultReadyAfter, BusyFor: DefaultBusyFor}
	if s := env(EnvBusyFor); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%s=%q: want a duration such as 10m", EnvBusyFor, s)
		}
		cfg.BusyFor = d
	}
	if s := env(EnvReadyAfter); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%s=%q: want a duration such as 2s or 500ms", EnvReadyAfter, s)
		}
		cfg.ReadyAfter = d
	}
	return New(cfg), nil
}

// Name returns "demo".
func (p *Provider) Name() string { return providerName }

// Catalog returns the sizes, regions and images of the demo cloud. The
// result is a copy the caller may change.
func (p *Provider) Catalog(ctx context.Context) (*providers.Catalog, error) {
	if err := p.begin(ctx, OpCatalog); err != nil {
		return nil, err
	}
	return catalog(), nil
}

// begin counts a call of op and returns the error the call must fail with:
// an injected fault or the end of ctx.
func (p *Provider) begin(ctx context.Context, op string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls[op]++
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %s: %w", providerName, opText[op], err)
	}
	var injected error
	if q := p.failNext[op]; len(q) > 0 {
		injected, p.failNext[op] = q[0], q[1:]
	}
	return injected
}

func invalid(op, format string, args ...any) error {
	return &providers.Error{
		Provider: providerName,
		Op:       opText[op],
		Kind:     providers.ErrInvalid,
		Message:  fmt.Sprintf(format, args...),
	}
}

func notFound(op, format string, args ...any) error {
	return &providers.Error{
		Provider: providerName,
		Op:       opText[op],
		Kind:     providers.ErrNotFound,
		Message:  fmt.Sprintf(format, args...),
	}
}
