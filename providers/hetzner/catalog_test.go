package hetzner

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
)

func TestCatalogFromEmulator(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu, func(c *Config) { c.USDPerEUR = 1.1 })
	cat, err := p.Catalog(t.Context())
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	eu := []string{"fsn1", "nbg1", "hel1"}
	all := []string{"fsn1", "nbg1", "hel1", "ash", "hil", "sin"}
	wantSizes := []providers.Size{
		{Slug: "cx22", VCPUs: 2, MemoryMB: 4096, DiskGB: 40, PriceHourly: 0.0060 * 1.19 * 1.1, Regions: eu, Available: true},
		{Slug: "cax11", VCPUs: 2, MemoryMB: 4096, DiskGB: 40, PriceHourly: 0.0064 * 1.19 * 1.1, Regions: eu, Available: true},
		{Slug: "cpx11", VCPUs: 2, MemoryMB: 2048, DiskGB: 40, PriceHourly: 0.0080 * 1.19 * 1.1, Regions: all, Available: true},
		{Slug: "cx32", VCPUs: 4, MemoryMB: 8192, DiskGB: 80, PriceHourly: 0.0110 * 1.19 * 1.1, Regions: []string{"nbg1", "hel1"}, Available: true},
		{Slug: "ccx13", VCPUs: 2, MemoryMB: 8192, DiskGB: 80, PriceHourly: 0.0240 * 1.19 * 1.1, Regions: all, Available: true},
	}
	if diff := cmp.Diff(wantSizes, cat.Sizes, approx); diff != "" {
		t.Errorf("Catalog().Sizes (-want +got):\n%s", diff)
	}
	wantImages := []providers.Image{
		{Slug: "debian-12", Name: "Debian 12"},
		{Slug: "ubuntu-22.04", Name: "Ubuntu 22.04"},
		{Slug: "ubuntu-24.04", Name: "Ubuntu 24.04"},
	}
	if diff := cmp.Diff(wantImages, cat.Images); diff != "" {
		t.Errorf("Catalog().Images (-want +got):\n%s", diff)
	}
	if r, ok := cat.Region("ash"); !ok || r.Name != "Ashburn, VA" || !r.Available {
		t.Errorf("Catalog().Region(ash) = %+v, %v, want Ashburn, available", r, ok)
	}
	if len(cat.Regions) != 6 {
		t.Errorf("Catalog() has %d regions, want 6", len(cat.Regions))
	}
	if want := 0.0110 * 1.19 * 1.1; math.Abs(cat.SnapshotMonthlyPerGB-want) > 1e-9 || !cat.PricesEstimated {
		t.Errorf("Catalog() snapshot price %v, estimated %v, want %v, true", cat.SnapshotMonthlyPerGB, cat.PricesEstimated, want)
	}
}

func TestSizesAvailability(t *testing.T) {
	fsn := &hcloud.Location{Name: "fsn1"}
	ash := &hcloud.Location{Name: "ash"}
	price := func(l *hcloud.Location, gross string) hcloud.ServerTypeLocationPricing {
		return hcloud.ServerTypeLocationPricing{Location: l, Hourly: hcloud.Price{Net: "0.001", Gross: gross}}
	}
	deprecated := hcloud.DeprecatableResource{Deprecation: &hcloud.DeprecationInfo{Announced: time.Unix(1, 0)}}
	types := []*hcloud.ServerType{
		{Name: "deprecated", Cores: 1, Memory: 1, Pricings: []hcloud.ServerTypeLocationPricing{price(fsn, "0.002")},
			DeprecatableResource: deprecated},
		{Name: "sold-out", Cores: 1, Memory: 1, Pricings: []hcloud.ServerTypeLocationPricing{price(fsn, "0.003")},
			Locations: []hcloud.ServerTypeLocation{{Location: fsn, Available: false}}},
		{Name: "phased-out-in-ash", Cores: 1, Memory: 0.5,
			Pricings: []hcloud.ServerTypeLocationPricing{price(fsn, "0.004"), price(ash, "0.009")},
			Locations: []hcloud.ServerTypeLocation{{Location: fsn, Available: true},
				{Location: ash, Available: true, DeprecatableResource: deprecated}}},
		{Name: "no-location-info", Cores: 1, Memory: 1, Pricings: []hcloud.ServerTypeLocationPricing{price(ash, "bad")}},
	}
	want := []providers.Size{
		{Slug: "no-location-info", VCPUs: 1, MemoryMB: 1024, PriceHourly: 0.001, Regions: []string{"ash"}, Available: true},
		{Slug: "deprecated", VCPUs: 1, MemoryMB: 1024, PriceHourly: 0.002, Regions: []string{"fsn1"}},
		{Slug: "sold-out", VCPUs: 1, MemoryMB: 1024, PriceHourly: 0.003},
		{Slug: "phased-out-in-ash", VCPUs: 1, MemoryMB: 512, PriceHourly: 0.004, Regions: []string{"fsn1"}, Available: true},
	}
	if diff := cmp.Diff(want, sizes(types, 1), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("sizes() (-want +got):\n%s", diff)
	}
}
