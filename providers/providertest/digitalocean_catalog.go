package providertest

import (
	"net/http"
	"slices"
)

// doSize is a droplet size as /v2/sizes lists it.
type doSize struct {
	slug         string
	vcpus        int
	memoryMB     int
	diskGB       int
	priceHourly  float64
	priceMonthly float64
	regions      []string // nil: every available region
	available    bool
}

// doRegion is a region as /v2/regions lists it.
type doRegion struct {
	slug      string
	name      string
	available bool
}

// doImage is a public distribution image.
type doImage struct {
	id           int
	slug         string
	name         string
	distribution string
}

var doRegions = []doRegion{
	{"nyc1", "New York 1", true},
	{"nyc2", "New York 2", false}, // closed to new droplets, as on the real API
	{"nyc3", "New York 3", true},
	{"sfo3", "San Francisco 3", true},
	{"ams3", "Amsterdam 3", true},
	{"fra1", "Frankfurt 1", true},
	{"lon1", "London 1", true},
	{"sgp1", "Singapore 1", true},
	{"tor1", "Toronto 1", true},
	{"blr1", "Bangalore 1", true},
	{"syd1", "Sydney 1", true},
}

var doSizes = []doSize{
	// A legacy size that is cheaper than anything on offer but no longer
	// available: a client must not pick it.
	{"512mb", 1, 512, 20, 0.00595, 4, []string{}, false},
	{"s-1vcpu-512mb-10gb", 1, 512, 10, 0.00595, 4, []string{"sfo3", "fra1", "ams3"}, true},
	{"s-1vcpu-1gb", 1, 1024, 25, 0.00893, 6, nil, true},
	{"s-1vcpu-2gb", 1, 2048, 50, 0.01786, 12, nil, true},
	{"s-2vcpu-2gb", 2, 2048, 60, 0.02679, 18, nil, true},
	{"s-2vcpu-4gb", 2, 4096, 80, 0.03571, 24, nil, true},
	{"s-4vcpu-8gb", 4, 8192, 160, 0.07143, 48, nil, true},
	{"c-2", 2, 4096, 25, 0.0625, 42, []string{"nyc1", "nyc3", "sfo3", "ams3", "fra1", "lon1"}, true},
	{"g-2vcpu-8gb", 2, 8192, 25, 0.09375, 63, []string{"nyc1", "nyc3", "sfo3", "fra1"}, true},
}

var doImages = []doImage{
	{160000124, "ubuntu-24-04-x64", "24.04 (LTS) x64", "Ubuntu"},
	{160000122, "ubuntu-22-04-x64", "22.04 (LTS) x64", "Ubuntu"},
	{160000212, "debian-12-x64", "12 x64", "Debian"},
	{160000211, "debian-11-x64", "11 x64", "Debian"},
}

// regions returns the slugs the size is offered in.
func (s doSize) regionSlugs() []string {
	if s.regions != nil {
		return s.regions
	}
	var out []string
	for _, r := range doRegions {
		if r.available {
			out = append(out, r.slug)
		}
	}
	return out
}

func (s doSize) json() map[string]any {
	return map[string]any{
		"slug": s.slug, "memory": s.memoryMB, "vcpus": s.vcpus, "disk": s.diskGB,
		"transfer": 1.0, "price_monthly": s.priceMonthly, "price_hourly": s.priceHourly,
		"regions": s.regionSlugs(), "available": s.available, "description": "Basic",
	}
}

func (r doRegion) json() map[string]any {
	var sizes []string
	if r.available {
		for _, s := range doSizes {
			if s.available && slices.Contains(s.regionSlugs(), r.slug) {
				sizes = append(sizes, s.slug)
			}
		}
	}
	return map[string]any{
		"slug": r.slug, "name": r.name, "available": r.available,
		"sizes": doNonNil(sizes), "features": []string{"backups", "ipv6", "metadata", "install_agent"},
	}
}

func (img doImage) json() map[string]any {
	return map[string]any{
		"id": img.id, "name": img.name, "distribution": img.distribution, "slug": img.slug,
		"public": true, "type": "base", "min_disk_size": 7, "size_gigabytes": 2.36,
		"regions": []string{}, "created_at": "2024-04-25T15:26:17Z", "status": "available",
	}
}

func doFindSize(slug string) (doSize, bool) {
	for _, s := range doSizes {
		if s.slug == slug {
			return s, true
		}
	}
	return doSize{}, false
}

func doFindRegion(slug string) (doRegion, bool) {
	for _, r := range doRegions {
		if r.slug == slug {
			return r, true
		}
	}
	return doRegion{}, false
}

func (e *DigitalOcean) listSizes(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	page, links := doPage(r, doSizes, e.pageLimit())
	e.mu.Unlock()
	var items []any
	for _, s := range page {
		items = append(items, s.json())
	}
	doWriteList(w, "sizes", items, links, len(doSizes))
}

func (e *DigitalOcean) listRegions(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	page, links := doPage(r, doRegions, e.pageLimit())
	e.mu.Unlock()
	var items []any
	for _, reg := range page {
		items = append(items, reg.json())
	}
	doWriteList(w, "regions", items, links, len(doRegions))
}

// doNonNil returns s, or an empty slice for nil so that JSON says [].
func doNonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
