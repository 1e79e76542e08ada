package hetzner

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
)

// Catalog returns the server types (with hourly prices), locations and
// system images Hetzner offers. Hetzner prices in EUR including VAT; they
// are converted to USD at Config.USDPerEUR, so PricesEstimated is set.
func (p *Provider) Catalog(ctx context.Context) (*providers.Catalog, error) {
	types, err := p.api.ServerTypes(ctx)
	if err != nil {
		return nil, err
	}
	locs, err := p.api.Locations(ctx)
	if err != nil {
		return nil, err
	}
	images, err := p.api.ListImages(ctx, hcloud.ImageListOpts{Type: []hcloud.ImageType{hcloud.ImageTypeSystem}})
	if err != nil {
		return nil, err
	}
	pricing, err := p.api.Pricing(ctx)
	if err != nil {
		return nil, err
	}
	return &providers.Catalog{
		Sizes:                sizes(types, p.usdPerEUR),
		Regions:              regions(locs),
		Images:               systemImages(images),
		PricesEstimated:      true,
		SnapshotMonthlyPerGB: euros(pricing.Image.PerGBMonth) * p.usdPerEUR,
	}, nil
}

// sizes converts server types, cheapest first. A type is offered in the
// locations it has a price for and is orderable in now; its price is the
// highest of those, so that estimates never fall short. A deprecated type,
// or one orderable nowhere, is not Available.
func sizes(types []*hcloud.ServerType, usdPerEUR float64) []providers.Size {
	out := make([]providers.Size, 0, len(types))
	for _, st := range types {
		orderable := make(map[string]bool)
		for _, l := range st.Locations {
			if l.Location != nil && l.Available && !l.IsDeprecated() {
				orderable[l.Location.Name] = true
			}
		}
		size := providers.Size{
			Slug:     st.Name,
			VCPUs:    st.Cores,
			MemoryMB: int(st.Memory * 1024),
			DiskGB:   st.Disk,
		}
		var highest, highestOffered float64
		for _, pr := range st.Pricings {
			if pr.Location == nil {
				continue
			}
			price := euros(pr.Hourly)
			highest = max(highest, price)
			// Older replies have no per-location availability: a price
			// then means the type is sold there.
			if len(st.Locations) == 0 || orderable[pr.Location.Name] {
				size.Regions = append(size.Regions, pr.Location.Name)
				highestOffered = max(highestOffered, price)
			}
		}
		size.Available = len(size.Regions) > 0 && !st.IsDeprecated()
		if size.Available {
			highest = highestOffered
		}
		size.PriceHourly = highest * usdPerEUR
		out = append(out, size)
	}
	slices.SortStableFunc(out, func(a, b providers.Size) int {
		return cmp.Or(cmp.Compare(a.PriceHourly, b.PriceHourly), cmp.Compare(a.Slug, b.Slug))
	})
	return out
}

// euros reads a Hetzner price: the gross amount, or the net one when the
// gross is missing; zero when neither parses.
func euros(p hcloud.Price) float64 {
	for _, s := range []string{p.Gross, p.Net} {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return 0
}

func regions(locs []*hcloud.Location) []providers.Region {
	out := make([]providers.Region, 0, len(locs))
	for _, l := range locs {
		out = append(out, providers.Region{Slug: l.Name, Name: cmp.Or(l.Description, l.City, l.Name), Available: true})
	}
	return out
}

// systemImages lists each system image name once (Hetzner has one image per
// architecture under the same name), skipping deprecated ones.
func systemImages(images []*hcloud.Image) []providers.Image {
	seen := make(map[string]bool)
	var out []providers.Image
	for _, img := range images {
		if img.Type != hcloud.ImageTypeSystem || img.Name == "" || img.IsDeprecated() || seen[img.Name] {
			continue
		}
		seen[img.Name] = true
		out = append(out, providers.Image{Slug: img.Name, Name: cmp.Or(img.Description, img.Name)})
	}
	slices.SortFunc(out, func(a, b providers.Image) int { return cmp.Compare(a.Slug, b.Slug) })
	return out
}
