package aws_test

import (
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
)

func TestCatalog(t *testing.T) {
	f := newFixture(t)
	cat, err := f.p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	if !cat.PricesEstimated {
		t.Errorf("Catalog().PricesEstimated = false, want true: prices come from an embedded table")
	}
	if len(cat.Regions) != 1 || cat.Regions[0] != (providers.Region{Slug: testRegion, Name: "US East (N. Virginia)", Available: true}) {
		t.Errorf("Catalog().Regions = %+v, want just %s", cat.Regions, testRegion)
	}
	tests := []struct {
		slug          string
		vcpus, memory int
		price         float64
	}{
		{"t3.micro", 2, 1024, 0.0104},
		{"t3.2xlarge", 8, 32768, 0.3328},
		{"m6i.large", 2, 8192, 0.096},
		{"c7i.2xlarge", 8, 16384, 0.357},
	}
	for _, tt := range tests {
		s, ok := cat.Size(tt.slug)
		if !ok {
			t.Errorf("Catalog().Size(%q) missing", tt.slug)
			continue
		}
		if s.VCPUs != tt.vcpus || s.MemoryMB != tt.memory || s.PriceHourly != tt.price || !s.Available || !s.Offered(testRegion) {
			t.Errorf("Catalog().Size(%q) = %+v, want %d vCPUs, %d MB, $%v/h in %s", tt.slug, s, tt.vcpus, tt.memory, tt.price, testRegion)
		}
	}
	for i := 1; i < len(cat.Sizes); i++ {
		if cat.Sizes[i-1].PriceHourly > cat.Sizes[i].PriceHourly {
			t.Errorf("Catalog().Sizes not cheapest first: %s before %s", cat.Sizes[i-1].Slug, cat.Sizes[i].Slug)
		}
	}
	if cat.SnapshotMonthlyPerGB != 0.05 {
		t.Errorf("Catalog().SnapshotMonthlyPerGB = %v, want 0.05", cat.SnapshotMonthlyPerGB)
	}
	if _, ok := cat.Size("r6i.large"); ok {
		t.Errorf("Catalog() lists r6i.large, which has no price")
	}

	// Instance types are read once.
	if _, err := f.p.Catalog(t.Context()); err != nil {
		t.Fatal(err)
	}
	if calls := f.emu.Calls("DescribeInstanceTypes"); calls != 1 {
		t.Errorf("Calls(DescribeInstanceTypes) after two Catalog() = %d, want 1", calls)
	}
}

func TestCatalogRegionWithoutPrices(t *testing.T) {
	f := newFixture(t, func(c *aws.Config) { c.AWS.Region = "ca-central-1" })
	cat, err := f.p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	// No price for the region: the highest known one, never zero.
	s, ok := cat.Size("t3.micro")
	if !ok || s.PriceHourly != 0.0132 || !s.Offered("ca-central-1") {
		t.Errorf("Catalog().Size(t3.micro) = %+v, want the highest known price 0.0132 in ca-central-1", s)
	}
}

func TestPriceSource(t *testing.T) {
	src := aws.PriceSource()
	if !strings.HasPrefix(src, "AWS EC2 On-Demand pricing page, Linux, 20") {
		t.Errorf("PriceSource() = %q, want it to name the pricing page, Linux and a date", src)
	}
}
