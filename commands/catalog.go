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

// catalogCache keeps each provider's catalog so that commands can be
// validated without a cloud call on the ack path.
type catalogCache struct {
	provs map[string]providers.Provider
	now   func() time.Time

	mu      sync.Mutex
	entries map[string]catalogEntry
}

type catalogEntry struct {
	cat     *providers.Catalog
	fetched time.Time
}

func newCatalogCache(provs map[string]providers.Provider, now func() time.Time) *catalogCache {
	return &catalogCache{provs: provs, now: now, entries: make(map[string]catalogEntry)}
}

// cached returns the catalog if one was fetched, even if stale; a stale
// entry is refreshed in the background.
func (c *catalogCache) cached(provider string) (*providers.Catalog, bool) {
	c.mu.Lock()
	e, ok := c.entries[provider]
	c.mu.Unlock()
	if ok && c.now().Sub(e.fetched) > catalogTTL {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, _ = c.fetch(ctx, provider)
		}()
	}
	return e.cat, ok
}

// get returns the catalog, fetching it when none is cached.
func (c *catalogCache) get(ctx context.Context, provider string) (*providers.Catalog, error) {
	if cat, ok := c.cached(provider); ok {
		return cat, nil
	}
	return c.fetch(ctx, provider)
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
