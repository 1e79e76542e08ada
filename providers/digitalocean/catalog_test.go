package digitalocean

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
)

func TestCatalogMapsSizesAndRegions(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.PageSize = 3 })
	emu.SetPageSize(3)
	cat, err := p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	size, ok := cat.Size("s-1vcpu-1gb")
	if !ok {
		t.Fatalf("Catalog().Size(s-1vcpu-1gb) missing; sizes = %+v", cat.Sizes)
	}
	wantSize := providers.Size{Slug: "s-1vcpu-1gb", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, PriceHourly: 0.00893, Available: true}
	size.Regions = nil
	if diff := cmp.Diff(wantSize, size); diff != "" {
		t.Errorf("Catalog() size mismatch (-want +got):\n%s", diff)
	}
	small, _ := cat.Size("s-1vcpu-512mb-10gb")
	if diff := cmp.Diff([]string{"sfo3", "fra1", "ams3"}, small.Regions); diff != "" {
		t.Errorf("Catalog() s-1vcpu-512mb-10gb regions mismatch (-want +got):\n%s", diff)
	}
	if legacy, _ := cat.Size("512mb"); legacy.Available {
		t.Errorf("Catalog() 512mb = %+v, want unavailable", legacy)
	}
	if r, ok := cat.Region("nyc2"); !ok || r.Available || r.Name != "New York 2" {
		t.Errorf("Catalog().Region(nyc2) = %+v, %v, want New York 2, unavailable", r, ok)
	}
	if len(cat.Sizes) != 9 || len(cat.Regions) != 11 {
		t.Errorf("Catalog() has %d sizes and %d regions, want 9 and 11 across pages", len(cat.Sizes), len(cat.Regions))
	}
	if cat.SnapshotMonthlyPerGB != 0.06 || cat.PricesEstimated {
		t.Errorf("Catalog() snapshot price %v, estimated %v, want 0.06 and false", cat.SnapshotMonthlyPerGB, cat.PricesEstimated)
	}
	if _, ok := cat.Size("no-such"); ok {
		t.Error("Catalog().Size(no-such) found a size")
	}
	if len(cat.Images) == 0 || cat.Images[0].Slug != "ubuntu-24-04-x64" {
		t.Errorf("Catalog().Images = %+v, want the default Ubuntu first", cat.Images)
	}
}

func TestCatalogIsCached(t *testing.T) {
	p, emu := newTestProvider(t, func(c *Config) { c.CatalogTTL = time.Minute })
	now := time.Unix(1700000000, 0)
	p.now = func() time.Time { return now }
	first, err := p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	first.Sizes[0].Slug = "changed by the caller"

	now = now.Add(59 * time.Second)
	second, err := p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	if n := emu.Calls("GET /v2/sizes"); n != 1 {
		t.Errorf("Calls(GET /v2/sizes) within the TTL = %d, want 1", n)
	}
	if second.Sizes[0].Slug == "changed by the caller" {
		t.Error("a caller's change to the catalog leaked into the cache")
	}

	now = now.Add(2 * time.Second)
	if _, err := p.Catalog(t.Context()); err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	if n := emu.Calls("GET /v2/sizes"); n != 2 {
		t.Errorf("Calls(GET /v2/sizes) after the TTL = %d, want 2", n)
	}
	if n := emu.Calls("GET /v2/regions"); n != 2 {
		t.Errorf("Calls(GET /v2/regions) after the TTL = %d, want 2", n)
	}
}
