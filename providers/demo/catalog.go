package demo

import (
	"slices"
	"strings"

	"github.com/spuffbot/spuffbot/providers"
)

// snapshotMonthlyPerGB is the storage price of snapshots, USD per GB-month.
const snapshotMonthlyPerGB = 0.06

// sizes is ordered from the cheapest up; AddUnmanaged uses the first.
var sizes = []providers.Size{
	{Slug: "small", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, PriceHourly: 0.0074, Available: true},
	{Slug: "medium", VCPUs: 2, MemoryMB: 4096, DiskGB: 80, PriceHourly: 0.0298, Available: true},
	{Slug: "large", VCPUs: 4, MemoryMB: 8192, DiskGB: 160, PriceHourly: 0.0595, Available: true},
	{Slug: "xlarge", VCPUs: 8, MemoryMB: 32768, DiskGB: 320, PriceHourly: 0.25, Regions: []string{"demo-eu"}, Available: true},
}

var regions = []providers.Region{
	{Slug: "demo-eu", Name: "Demo Europe (Frankfurt)", Available: true},
	{Slug: "demo-us", Name: "Demo US East (New York)", Available: true},
}

var images = []providers.Image{
	{Slug: "ubuntu-24.04", Name: "Ubuntu 24.04 LTS"},
	{Slug: "ubuntu-22.04", Name: "Ubuntu 22.04 LTS"},
	{Slug: "debian-12", Name: "Debian 12 (bookworm)"},
}

// defaultImage is what the zero providers.ImageSpec boots.
const defaultImage = "ubuntu-24.04"

// imageDiskGB is the disk space a fresh install of each image uses, and so
// the size of a snapshot taken of it.
var imageDiskGB = map[string]float64{
	"ubuntu-24.04": 2.41,
	"ubuntu-22.04": 2.19,
	"debian-12":    1.37,
}

// catalog returns a deep copy of the demo cloud's catalog.
func catalog() *providers.Catalog {
	c := &providers.Catalog{
		Sizes:                slices.Clone(sizes),
		Regions:              slices.Clone(regions),
		Images:               slices.Clone(images),
		SnapshotMonthlyPerGB: snapshotMonthlyPerGB,
	}
	for i := range c.Sizes {
		c.Sizes[i].Regions = slices.Clone(c.Sizes[i].Regions)
	}
	return c
}

// checkPlacement validates a size and region pair of a create request.
func checkPlacement(size, region string) error {
	c := catalog()
	s, ok := c.Size(size)
	if !ok {
		return invalid(OpCreateInstance, "unknown size %q (valid: %s)", size, slugs(c.Sizes, sizeSlug))
	}
	r, ok := c.Region(region)
	if !ok {
		return invalid(OpCreateInstance, "unknown region %q (valid: %s)", region, slugs(c.Regions, regionSlug))
	}
	if !r.Available || !s.Available {
		return invalid(OpCreateInstance, "size %q is not available in region %q", size, region)
	}
	if !s.Offered(region) {
		return invalid(OpCreateInstance, "size %q is not offered in region %q (offered in: %s)",
			size, region, strings.Join(s.Regions, ", "))
	}
	return nil
}

// imageSlug returns the catalog slug a non-snapshot image spec names.
func imageSlug(spec providers.ImageSpec) (string, error) {
	var slug string
	switch spec.Kind {
	case "":
		return defaultImage, nil
	case providers.ImageUbuntu, providers.ImageDebian:
		slug = string(spec.Kind) + "-" + spec.Version
	case providers.ImageCustom:
		slug = spec.ID
	default:
		return "", invalid(OpCreateInstance, "unknown image kind %q", spec.Kind)
	}
	if _, ok := imageDiskGB[slug]; !ok {
		return "", invalid(OpCreateInstance, "unknown image %q (valid: %s, or a snapshot id)",
			spec.String(), slugs(images, imageSlugOf))
	}
	return slug, nil
}

func regionSlug(r providers.Region) string { return r.Slug }
func sizeSlug(s providers.Size) string     { return s.Slug }
func imageSlugOf(i providers.Image) string { return i.Slug }

func slugs[T any](items []T, slug func(T) string) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = slug(it)
	}
	return strings.Join(s, ", ")
}
