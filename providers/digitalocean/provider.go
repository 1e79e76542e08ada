// Package digitalocean runs spuff's dev VMs as DigitalOcean droplets, through
// the godo client.
//
// Droplets carry the tags spuff, spuff-owner:<id> and spuff-op:<id>; the
// spuff tag stands for the managed-by=spuff label, and tags map back to
// Instance.Labels. Snapshots are made with droplet actions and named with a
// "spuff-" prefix, which is how ListSnapshots and DeleteSnapshot recognise
// them. Calls that hit a rate limit or a server error are retried with
// backoff that honours Retry-After and RateLimit-Reset; a create whose
// outcome is unknown is looked up by its spuff-op tag before it is retried,
// so a lost reply never makes a second droplet.
package digitalocean

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/digitalocean/godo"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/secret"
)

// Environment variables read by FromEnv.
const (
	EnvToken  = "DIGITALOCEAN_TOKEN"   // API token; or a file named by DIGITALOCEAN_TOKEN_FILE
	EnvAPIURL = "DIGITALOCEAN_API_URL" // API base URL, default DefaultBaseURL
)

// DefaultBaseURL is DigitalOcean's public API.
const DefaultBaseURL = "https://api.digitalocean.com/"

// Name is the provider's registry name.
const Name = "digitalocean"

// Config configures a Provider. Every field but Token has a usable zero
// value.
type Config struct {
	// Token is the DigitalOcean API token (read and write scopes).
	Token secret.Value
	// BaseURL is the API base; empty means DefaultBaseURL.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a one-minute
	// timeout. Its Transport is wrapped to add the token.
	HTTPClient *http.Client
	// PollInterval is the first wait between polls in WaitReady and while
	// a snapshot action runs; it grows by half each poll up to five times
	// its value. Zero means 3s.
	PollInterval time.Duration
	// CatalogTTL is how long Catalog's answer is reused. Zero means 10m.
	CatalogTTL time.Duration
	// MaxRetries is how often a rate-limited or failed call is retried.
	// Zero means 4; a negative value disables retries.
	MaxRetries int
	// RetryBackoff is the first backoff between retries when the API gives
	// no wait of its own; it doubles per attempt. Zero means 1s.
	RetryBackoff time.Duration
	// MaxRetryWait caps any single wait between retries, including waits
	// the API asks for. Zero means 30s.
	MaxRetryWait time.Duration
	// PageSize is the per_page of list calls. Zero means 200, the API's
	// maximum.
	PageSize int
	// Logger receives retry and polling messages; nil discards them.
	Logger *slog.Logger
}

// Provider is a providers.Provider backed by the DigitalOcean API. It is
// safe for concurrent use.
type Provider struct {
	api          computeAPI
	log          *slog.Logger
	poll         time.Duration
	catalogTTL   time.Duration
	maxRetries   int
	retryBackoff time.Duration
	maxRetryWait time.Duration
	pageSize     int
	now          func() time.Time

	mu      sync.Mutex
	catalog *providers.Catalog
	fetched time.Time
	keys    map[string]bool // ssh key fingerprints known to be registered
}

var _ providers.Provider = (*Provider)(nil)

// New returns a Provider for cfg. It does no network I/O: the token is first
// checked by the first call. A missing token is an auth error naming
// DIGITALOCEAN_TOKEN.
func New(cfg Config) (*Provider, error) {
	if cfg.Token.Empty() {
		return nil, &providers.Error{
			Provider: Name, Op: "configure", Kind: providers.ErrAuth,
			Message: "no API token",
			Hint:    "set " + EnvToken + " or " + EnvToken + "_FILE",
		}
	}
	base := cfg.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if u, err := url.Parse(base); err != nil || u.Scheme == "" || u.Host == "" {
		return nil, &providers.Error{
			Provider: Name, Op: "configure", Kind: providers.ErrInvalid,
			Message: fmt.Sprintf("API URL %q is not an absolute URL", cfg.BaseURL),
			Hint:    "check " + EnvAPIURL,
		}
	}
	client, err := godo.New(authClient(cfg.HTTPClient, cfg.Token), godo.SetBaseURL(base), godo.SetUserAgent("spuffbot"))
	if err != nil {
		return nil, fmt.Errorf("digitalocean: configure client: %w", err)
	}
	p := &Provider{
		api:          &godoAPI{c: client},
		log:          cfg.Logger,
		poll:         orDefault(cfg.PollInterval, 3*time.Second),
		catalogTTL:   orDefault(cfg.CatalogTTL, 10*time.Minute),
		maxRetries:   cfg.MaxRetries,
		retryBackoff: orDefault(cfg.RetryBackoff, time.Second),
		maxRetryWait: orDefault(cfg.MaxRetryWait, 30*time.Second),
		pageSize:     cfg.PageSize,
		now:          time.Now,
		keys:         make(map[string]bool),
	}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case p.maxRetries == 0:
		p.maxRetries = 4
	case p.maxRetries < 0:
		p.maxRetries = 0
	}
	if p.pageSize <= 0 || p.pageSize > 200 {
		p.pageSize = 200
	}
	return p, nil
}

// FromEnv builds a Provider from DIGITALOCEAN_TOKEN (or the file named by
// DIGITALOCEAN_TOKEN_FILE) and DIGITALOCEAN_API_URL. It is the registry
// constructor and does no network I/O.
func FromEnv(_ context.Context, env providers.Env) (providers.Provider, error) {
	tok, err := secret.FromEnv(env, EnvToken)
	if err != nil {
		return nil, fmt.Errorf("digitalocean: %w", err)
	}
	p, err := New(Config{Token: tok, BaseURL: env(EnvAPIURL)})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns "digitalocean".
func (p *Provider) Name() string { return Name }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// authClient returns a copy of hc whose transport adds the bearer token.
func authClient(hc *http.Client, token secret.Value) *http.Client {
	if hc == nil {
		hc = &http.Client{Timeout: time.Minute}
	}
	c := *hc
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c.Transport = &bearerTransport{token: token, base: base}
	return &c
}

// bearerTransport adds "Authorization: Bearer <token>" to every request.
type bearerTransport struct {
	token secret.Value
	base  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r2 := r.Clone(r.Context()) // shares r.Body, which the base transport closes
	r2.Header.Set("Authorization", "Bearer "+t.token.Reveal())
	return t.base.RoundTrip(r2)
}
