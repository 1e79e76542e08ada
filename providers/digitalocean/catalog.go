package digitalocean

import (
	"context"
	"slices"

	"github.com/spuffbot/spuffbot/providers"
)

// snapshotMonthlyPerGB is DigitalOcean's snapshot storage price, USD per GB
// and month.
const snapshotMonthlyPerGB = 0.06

// Catalog returns the sizes (from /v2/sizes, with DigitalOcean's hourly
// prices) and regions (from /v2/regions), and the distribution images the
// image spec resolves to. The answer is reused for CatalogTTL.
func (p *Provider) Catalog(ctx context.Context) (*providers.Catalog, error) {
	p.mu.Lock()
	c, fetched := p.catalog, p.fetched
	p.mu.Unlock()
	if c != nil && p.now().Sub(fetched) < p.catalogTTL {
		return cloneCatalog(c), nil
	}
	c, err := p.fetchCatalog(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.catalog, p.fetched = c, p.now()
	p.mu.Unlock()
	return cloneCatalog(c), nil
}

func (p *Provider) fetchCatalog(ctx context.Context) (*providers.Catalog, error) {
	sizes, err := listAll(ctx, p, p.api.listSizes, keepAll)
	if err != nil {
		return nil, err
	}
	regions, err := listAll(ctx, p, p.api.listRegions, keepAll)
	if err != nil {
		return nil, err
	}
	c := &providers.Catalog{
		Images:               slices.Clone(distributionImages),
		SnapshotMonthlyPerGB: snapshotMonthlyPerGB,
	}
	for _, s := range sizes {
		c.Sizes = append(c.Sizes, providers.Size{
			Slug:        s.Slug,
			VCPUs:       s.Vcpus,
			MemoryMB:    s.Memory,
			DiskGB:      s.Disk,
			PriceHourly: s.PriceHourly,
			Regions:     slices.Clone(s.Regions),
			Available:   s.Available,
		})
	}
	for _, r := range regions {
		c.Regions = append(c.Regions, providers.Region{Slug: r.Slug, Name: r.Name, Available: r.Available})
	}
	return c, nil
}

// cloneCatalog copies c so that callers cannot change the cached one.
func cloneCatalog(c *providers.Catalog) *providers.Catalog {
	out := *c
	out.Sizes = slices.Clone(c.Sizes)
	for i := range out.Sizes {
		out.Sizes[i].Regions = slices.Clone(out.Sizes[i].Regions)
	}
	out.Regions = slices.Clone(c.Regions)
	out.Images = slices.Clone(c.Images)
	return &out
}
