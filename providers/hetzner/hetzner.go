// Package hetzner is the Hetzner Cloud provider, built on hcloud-go v2.
//
// Instances are Hetzner servers, sizes are server types, regions are
// locations, and snapshots are images of type snapshot made with the
// create_image action. Everything spuff creates carries the label
// managed-by=spuff (plus spuff-owner and spuff-op), sanitised to Hetzner's
// label rules, and ListInstances and ListSnapshots select on it.
//
// The token comes from HCLOUD_TOKEN or the file named by HCLOUD_TOKEN_FILE,
// the endpoint from HCLOUD_ENDPOINT, as with Hetzner's own hcloud CLI.
package hetzner

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/secret"
)

// Name is the provider's registry name.
const Name = "hetzner"

// Environment variables FromEnv reads.
const (
	EnvToken    = "HCLOUD_TOKEN" // or HCLOUD_TOKEN_FILE
	EnvEndpoint = "HCLOUD_ENDPOINT"
)

// DefaultUSDPerEUR is the exchange rate used when Config.USDPerEUR is zero.
const DefaultUSDPerEUR = 1.08

// Config configures a Provider.
type Config struct {
	// Token is the Hetzner Cloud API token (read & write).
	Token secret.Value
	// BaseURL is the API endpoint including its /v1 path; zero means
	// https://api.hetzner.cloud/v1.
	BaseURL string
	// HTTPClient sends the requests; zero means a client with a 60 s
	// timeout.
	HTTPClient *http.Client
	// PollInterval is the first wait between polls in WaitReady and while
	// waiting for an action; the wait grows by half each time up to four
	// times the interval. Zero means 3 s.
	PollInterval time.Duration
	// MaxRetries is how often a rate-limited or transiently failed call is
	// retried; zero means 5, negative means never.
	MaxRetries int
	// RetryBackoff is the wait before the first retry, doubling (with
	// jitter) up to a minute; zero means 1 s.
	RetryBackoff time.Duration
	// USDPerEUR converts Hetzner's EUR prices to the catalog's USD; zero
	// means DefaultUSDPerEUR. Catalog prices are marked as estimates.
	USDPerEUR float64
}

// Provider is the Hetzner Cloud provider. It is safe for concurrent use.
type Provider struct {
	api       computeAPI
	poll      time.Duration
	usdPerEUR float64
}

var _ providers.Provider = (*Provider)(nil)

// New returns a provider configured by cfg. It does no network I/O; an
// empty token is an ErrAuth error naming HCLOUD_TOKEN.
func New(cfg Config) (*Provider, error) {
	if cfg.Token.Empty() {
		return nil, &providers.Error{
			Provider: Name, Op: "configure", Kind: providers.ErrAuth,
			Message: EnvToken + " is not set", Hint: "set " + EnvToken + " or " + EnvToken + "_FILE to a Hetzner Cloud API token",
		}
	}
	if !validHeaderValue(cfg.Token.Reveal()) {
		return nil, &providers.Error{
			Provider: Name, Op: "configure", Kind: providers.ErrAuth,
			Message: EnvToken + " contains characters a token cannot have", Hint: "check " + EnvToken,
		}
	}
	endpoint := cfg.BaseURL
	if endpoint == "" {
		endpoint = hcloud.Endpoint
	}
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("hetzner: endpoint %q is not an http(s) URL", endpoint)
	}
	httpClient := cfg.HTTPClient
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 60 * time.Second}
	}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = 3 * time.Second
	}
	retries := cfg.MaxRetries
	switch {
	case retries == 0:
		retries = 5
	case retries < 0:
		retries = 0
	}
	backoff := cfg.RetryBackoff
	if backoff <= 0 {
		backoff = time.Second
	}
	rate := cfg.USDPerEUR
	if rate <= 0 {
		rate = DefaultUSDPerEUR
	}
	client := hcloud.NewClient(
		hcloud.WithEndpoint(endpoint),
		hcloud.WithToken(cfg.Token.Reveal()),
		hcloud.WithHTTPClient(httpClient),
		hcloud.WithApplication("spuffbot", ""),
		hcloud.WithPollOpts(hcloud.PollOpts{BackoffFunc: pollBackoff(poll)}),
		hcloud.WithRetryOpts(hcloud.RetryOpts{
			BackoffFunc: hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{
				Base: backoff, Multiplier: 2, Cap: time.Minute, Jitter: true,
			}),
			MaxRetries: retries,
		}),
	)
	return &Provider{api: sdkAPI{c: client}, poll: poll, usdPerEUR: rate}, nil
}

// FromEnv builds a provider from HCLOUD_TOKEN (or HCLOUD_TOKEN_FILE) and
// HCLOUD_ENDPOINT. It is the registry constructor.
func FromEnv(_ context.Context, env providers.Env) (providers.Provider, error) {
	token, err := secret.FromEnv(env, EnvToken)
	if err != nil {
		return nil, fmt.Errorf("hetzner: %w", err)
	}
	p, err := New(Config{Token: token, BaseURL: env(EnvEndpoint)})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Name returns "hetzner".
func (p *Provider) Name() string { return Name }

// pollBackoff waits first, then half as long again each time, up to four
// times first.
func pollBackoff(first time.Duration) hcloud.BackoffFunc {
	return hcloud.ExponentialBackoffWithOpts(hcloud.ExponentialBackoffOpts{
		Base: first, Multiplier: 1.5, Cap: 4 * first,
	})
}

// validHeaderValue reports whether s can travel in an Authorization header.
func validHeaderValue(s string) bool {
	for i := range len(s) {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
