package providertest

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// The emulator's catalog: a handful of real server types with plausible
// EUR prices per location (gross = net + 19 % VAT), the cloud's locations
// and its common system images.

type hzServerType struct {
	id                  int64
	name, cpuType, arch string
	cores, disk         int
	memory              float64
	prices              []hzPrice
	unavailable         []string // locations where it is sold out
}

type hzPrice struct {
	location string
	hourly   float64 // net EUR
}

type hzLocation struct {
	id                               int64
	name, description, country, city string
	zone                             string
	lat, lon                         float64
}

func hzEU(hourly float64) []hzPrice {
	return []hzPrice{{"fsn1", hourly}, {"nbg1", hourly}, {"hel1", hourly}}
}

func hzEverywhere(euHourly, otherHourly float64) []hzPrice {
	return append(hzEU(euHourly), hzPrice{"ash", otherHourly}, hzPrice{"hil", otherHourly}, hzPrice{"sin", otherHourly})
}

var hzServerTypes = []hzServerType{
	{id: 22, name: "cpx11", cpuType: "shared", arch: "x86", cores: 2, memory: 2, disk: 40, prices: hzEverywhere(0.0070, 0.0080)},
	{id: 45, name: "cax11", cpuType: "shared", arch: "arm", cores: 2, memory: 4, disk: 40, prices: hzEU(0.0064)},
	{id: 104, name: "cx22", cpuType: "shared", arch: "x86", cores: 2, memory: 4, disk: 40, prices: hzEU(0.0060)},
	{id: 105, name: "cx32", cpuType: "shared", arch: "x86", cores: 4, memory: 8, disk: 80, prices: hzEU(0.0110), unavailable: []string{"fsn1"}},
	{id: 96, name: "ccx13", cpuType: "dedicated", arch: "x86", cores: 2, memory: 8, disk: 80, prices: hzEverywhere(0.0200, 0.0240)},
}

var hzLocations = []hzLocation{
	{1, "fsn1", "Falkenstein DC Park 1", "DE", "Falkenstein", "eu-central", 50.47612, 12.370071},
	{2, "nbg1", "Nuremberg DC Park 1", "DE", "Nuremberg", "eu-central", 49.452102, 11.076665},
	{3, "hel1", "Helsinki DC Park 1", "FI", "Helsinki", "eu-central", 60.169855, 24.938379},
	{4, "ash", "Ashburn, VA", "US", "Ashburn, VA", "us-east", 39.045821, -77.487073},
	{5, "hil", "Hillsboro, OR", "US", "Hillsboro, OR", "us-west", 45.54222, -122.951924},
	{6, "sin", "Singapore", "SG", "Singapore", "ap-southeast", 1.283333, 103.833333},
}

var hzSystemImages = []HetznerImage{
	{ID: 67794396, Type: "system", Status: "available", Name: "ubuntu-22.04", Description: "Ubuntu 22.04"},
	{ID: 161547269, Type: "system", Status: "available", Name: "ubuntu-24.04", Description: "Ubuntu 24.04"},
	{ID: 114690387, Type: "system", Status: "available", Name: "debian-12", Description: "Debian 12"},
}

func hzFindServerType(id int64, name string) (hzServerType, bool) {
	for _, st := range hzServerTypes {
		if (id != 0 && st.id == id) || (name != "" && st.name == name) {
			return st, true
		}
	}
	return hzServerType{}, false
}

func hzFindLocation(id int64, name string) (hzLocation, bool) {
	for _, l := range hzLocations {
		if (id != 0 && l.id == id) || (name != "" && l.name == name) {
			return l, true
		}
	}
	return hzLocation{}, false
}

// price returns the net hourly price in location, and whether the type can
// be ordered there now.
func (st hzServerType) price(location string) (float64, bool) {
	for _, p := range st.prices {
		if p.location == location && !slices.Contains(st.unavailable, location) {
			return p.hourly, true
		}
	}
	return 0, false
}

func hzMoney(net float64) map[string]any {
	return map[string]any{"net": fmt.Sprintf("%.10f", net), "gross": fmt.Sprintf("%.10f", net*1.19)}
}

func (st hzServerType) pricesJSON() []any {
	var out []any
	for _, p := range st.prices {
		out = append(out, map[string]any{
			"location": p.location, "price_hourly": hzMoney(p.hourly),
			"price_monthly": hzMoney(p.hourly * 730), "included_traffic": 21990232555520,
			"price_per_tb_traffic": hzMoney(1),
		})
	}
	return out
}

func (st hzServerType) json() map[string]any {
	var locs []any
	for _, p := range st.prices {
		l, _ := hzFindLocation(0, p.location)
		locs = append(locs, map[string]any{
			"id": l.id, "name": l.name, "available": !slices.Contains(st.unavailable, l.name),
			"recommended": true, "deprecation": nil,
		})
	}
	return map[string]any{
		"id": st.id, "name": st.name, "description": st.name, "category": st.cpuType + " vCPU",
		"cores": st.cores, "memory": st.memory, "disk": st.disk, "storage_type": "local",
		"cpu_type": st.cpuType, "architecture": st.arch, "deprecated": false, "deprecation": nil,
		"included_traffic": 0, "prices": st.pricesJSON(), "locations": locs,
	}
}

func (l hzLocation) json() map[string]any {
	return map[string]any{
		"id": l.id, "name": l.name, "description": l.description, "country": l.country,
		"city": l.city, "latitude": l.lat, "longitude": l.lon, "network_zone": l.zone,
	}
}

// findImage finds an available image by id (any type) or by name (system
// images only). h.mu must be held.
func (h *Hetzner) findImage(id int64, name string) (*hzImage, bool) {
	for _, img := range h.images {
		if img.Status == "available" && ((id != 0 && img.ID == id) || (name != "" && img.Type == "system" && img.Name == name)) {
			return img, true
		}
	}
	return nil, false
}

// imageJSON renders img as GET /v1/images/{id} does. h.mu must be held.
func (h *Hetzner) imageJSON(img *hzImage) map[string]any {
	var name, size, from, flavor, version any
	if img.Type == "system" {
		name = img.Name
		flavor, version = hzSplitImageName(img.Name)
	} else {
		flavor, version = "unknown", nil
		if img.Status == "available" {
			size = 1.25
		}
		if s, ok := h.servers[img.CreatedFrom]; ok {
			from = map[string]any{"id": s.ID, "name": s.Name}
		}
	}
	return map[string]any{
		"id": img.ID, "type": img.Type, "status": img.Status, "name": name,
		"description": img.Description, "image_size": size, "disk_size": 40,
		"created": hzTime(img.Created), "created_from": from, "bound_to": nil,
		"os_flavor": flavor, "os_version": version, "rapid_deploy": img.Type == "system",
		"protection": map[string]any{"delete": false}, "deprecated": nil, "deprecation": nil,
		"deleted": nil, "labels": img.Labels, "architecture": "x86",
	}
}

// hzSplitImageName splits "ubuntu-24.04" into os_flavor and os_version.
func hzSplitImageName(name string) (flavor, version any) {
	if f, v, ok := strings.Cut(name, "-"); ok {
		return f, v
	}
	return name, nil
}

func (h *Hetzner) listImages(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sel, ok := hzParseSelector(q.Get("label_selector"))
	if !ok {
		hzError(w, http.StatusBadRequest, "invalid_input", "label_selector is invalid", nil)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	var items []any
	for _, id := range slices.Sorted(maps.Keys(h.images)) {
		img := h.images[id]
		if (len(q["type"]) == 0 || slices.Contains(q["type"], img.Type)) &&
			(len(q["status"]) == 0 || slices.Contains(q["status"], img.Status)) &&
			(q.Get("name") == "" || img.Name == q.Get("name")) && sel.matches(img.Labels) {
			items = append(items, h.imageJSON(img))
		}
	}
	h.writePage(w, r, "images", items)
}

func (h *Hetzner) getImage(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	img, ok := h.images[hzPathID(r)]
	if !ok {
		hzNotFound(w, "image", r.PathValue("id"))
		return
	}
	hzJSON(w, http.StatusOK, map[string]any{"image": h.imageJSON(img)})
}

func (h *Hetzner) deleteImage(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	img, ok := h.images[hzPathID(r)]
	switch {
	case !ok:
		hzNotFound(w, "image", r.PathValue("id"))
	case img.Type == "system":
		hzError(w, http.StatusBadRequest, "invalid_input", "system images cannot be deleted", nil)
	default:
		delete(h.images, img.ID)
		w.WriteHeader(http.StatusNoContent)
	}
}

func (h *Hetzner) listServerTypes(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	var items []any
	for _, st := range hzServerTypes {
		if name == "" || st.name == name {
			items = append(items, st.json())
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.writePage(w, r, "server_types", items)
}

func (h *Hetzner) listLocations(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("name")
	var items []any
	for _, l := range hzLocations {
		if name == "" || l.name == name {
			items = append(items, l.json())
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.writePage(w, r, "locations", items)
}

func (h *Hetzner) getPricing(w http.ResponseWriter, _ *http.Request) {
	var types []any
	for _, st := range hzServerTypes {
		types = append(types, map[string]any{"id": st.id, "name": st.name, "prices": st.pricesJSON()})
	}
	hzJSON(w, http.StatusOK, map[string]any{"pricing": map[string]any{
		"currency": "EUR", "vat_rate": "19.00",
		"image":               map[string]any{"price_per_gb_month": hzMoney(0.0110)},
		"volume":              map[string]any{"price_per_gb_month": hzMoney(0.0440)},
		"server_backup":       map[string]any{"percentage": "20.00"},
		"floating_ips":        []any{},
		"primary_ips":         []any{},
		"server_types":        types,
		"load_balancer_types": []any{},
	}})
}
