package commands

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// catalogTTL is how long a fetched catalog is trusted.
const catalogTTL = 15 * time.Minute

// catalogRetryAfter is how long after a failed refresh a stale catalog
// waits before the next one: a cloud that fails, or answers 429, is not
// asked again by every command meanwhile.
const catalogRetryAfter = time.Minute

// catalogFetchTimeout bounds one Catalog call.
const catalogFetchTimeout = time.Minute

// catalogCache keeps each provider's catalog so that commands can be
// validated without a cloud call on the ack path. At most one Catalog
// call per provider runs at a time (a flight): callers that need the
// catalog while one runs wait for it, and a stale catalog is served while
// its refresh runs.
type catalogCache struct {
	provs map[string]providers.Provider
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]catalogEntry
	flights map[string]*catalogFlight
	failed  map[string]time.Time // when the last refresh failed
}

type catalogEntry struct {
	cat     *providers.Catalog
	fetched time.Time
}

// catalogFlight is one Catalog call; done is closed once cat and err are
// set.
type catalogFlight struct {
	done chan struct{}
	cat  *providers.Catalog
	err  error
}

func newCatalogCache(provs map[string]providers.Provider, now func() time.Time) *catalogCache {
	return &catalogCache{provs: provs, now: now, entries: make(map[string]catalogEntry),
		flights: make(map[string]*catalogFlight), failed: make(map[string]time.Time)}
}

// cached returns the catalog if one was fetched, even if stale; a stale
// entry is refreshed in the background, by one call at a time and not
// within catalogRetryAfter of a failed one.
func (c *catalogCache) cached(provider string) (*providers.Catalog, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[provider]
	if !ok {
		return nil, false
	}
	now := c.now()
	failed, hasFailed := c.failed[provider]
	if now.Sub(e.fetched) > catalogTTL && (!hasFailed || now.Sub(failed) >= catalogRetryAfter) {
		c.flightLocked(context.Background(), provider)
	}
	return e.cat, true
}

// get returns the catalog, fetching it when none is cached; a caller that
// comes while a fetch runs waits for that one.
func (c *catalogCache) get(ctx context.Context, provider string) (*providers.Catalog, error) {
	if cat, ok := c.cached(provider); ok {
		return cat, nil
	}
	c.mu.Lock()
	f := c.flightLocked(ctx, provider)
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.cat, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// flightLocked returns the running Catalog call of provider, starting one
// if none runs. The call outlives ctx's cancellation (others may wait for
// it) but not catalogFetchTimeout. c.mu is held.
func (c *catalogCache) flightLocked(ctx context.Context, provider string) *catalogFlight {
	if f, ok := c.flights[provider]; ok {
		return f
	}
	f := &catalogFlight{done: make(chan struct{})}
	c.flights[provider] = f
	go func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), catalogFetchTimeout)
		defer cancel()
		f.cat, f.err = c.fetch(ctx, provider)
		c.mu.Lock()
		delete(c.flights, provider)
		if f.err != nil {
			c.failed[provider] = c.now()
		} else {
			delete(c.failed, provider)
		}
		c.mu.Unlock()
		close(f.done)
	}()
	return f
}

func (c *catalogCache) fetch(ctx context.Context, provider string) (*providers.Catalog, error) {
	p, ok := c.provs[provider]
	if !ok {
		return nil, fmt.Errorf("catalog: unknown provider %q", provider)
	}
	cat, err := p.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.entries[provider] = catalogEntry{cat: cat, fetched: c.now()}
	c.mu.Unlock()
	return cat, nil
}

// defaultSize returns the cheapest available size offered in region.
func defaultSize(cat *providers.Catalog, region string) (providers.Size, bool) {
	sizes := availableSizes(cat, region)
	if len(sizes) == 0 {
		return providers.Size{}, false
	}
	return sizes[0], true
}

// availableSizes returns the available sizes offered in region (any region
// when empty), cheapest first.
func availableSizes(cat *providers.Catalog, region string) []providers.Size {
	var out []providers.Size
	for _, s := range cat.Sizes {
		if s.Available && (region == "" || s.Offered(region)) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].PriceHourly < out[j].PriceHourly })
	return out
}

// resolveSizeRegion validates size and region against the catalog, filling
// the provider's defaults, and returns the chosen size.
func resolveSizeRegion(cat *providers.Catalog, d Defaults, size, region string) (providers.Size, string, error) {
	if region == "" {
		region = d.Region
	}
	if region == "" {
		for _, r := range cat.Regions {
			if r.Available {
				region = r.Slug
				break
			}
		}
	}
	if r, ok := cat.Region(region); !ok || !r.Available {
		return providers.Size{}, "", refuse("valid regions: "+joinCode(regionSlugs(cat)), "unknown region `%s`", region)
	}
	if size == "" {
		size = d.Size
	}
	if size == "" {
		s, ok := defaultSize(cat, region)
		if !ok {
			return providers.Size{}, "", refuse("try another `--region`", "no size is available in `%s`", region)
		}
		return s, region, nil
	}
	s, ok := cat.Size(size)
	valid := sizeSlugs(availableSizes(cat, region))
	if !ok || !s.Available {
		return providers.Size{}, "", refuse("valid sizes in "+region+": "+joinCode(valid), "unknown size `%s`", size)
	}
	if !s.Offered(region) {
		return providers.Size{}, "", refuse("valid sizes in "+region+": "+joinCode(valid), "size `%s` is not offered in `%s`", size, region)
	}
	return s, region, nil
}

func regionSlugs(cat *providers.Catalog) []string {
	var out []string
	for _, r := range cat.Regions {
		if r.Available {
			out = append(out, r.Slug)
		}
	}
	return out
}

func sizeSlugs(sizes []providers.Size) []string {
	out := make([]string, 0, len(sizes))
	for _, s := range sizes {
		out = append(out, s.Slug)
	}
	return out
}

// joinCode formats names as a readable list of `code` items, shortened
// after a dozen.
func joinCode(names []string) string {
	const max = 12
	var b strings.Builder
	for i, n := range names {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(names)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("`" + n + "`")
	}
	return b.String()
}
