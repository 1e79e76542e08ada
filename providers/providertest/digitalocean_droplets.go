package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

var (
	doTagRE      = regexp.MustCompile(`^[A-Za-z0-9:_-]{1,255}$`)
	doHostnameRE = regexp.MustCompile(`^[A-Za-z0-9.-]{1,255}$`)
)

// doMaxUserData is the API's limit on user_data.
const doMaxUserData = 64 << 10

type doCreateDroplet struct {
	Name     string            `json:"name"`
	Region   string            `json:"region"`
	Size     string            `json:"size"`
	Image    json.RawMessage   `json:"image"`
	SSHKeys  []json.RawMessage `json:"ssh_keys"`
	UserData string            `json:"user_data"`
	Tags     []string          `json:"tags"`
}

func (e *DigitalOcean) createDroplet(w http.ResponseWriter, r *http.Request) {
	var req doCreateDroplet
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		doError(w, http.StatusBadRequest, "bad_request", "Unable to parse request body: "+err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	status, msg := e.validateCreate(&req)
	if status != 0 {
		doError(w, status, "unprocessable_entity", msg)
		return
	}
	image, _ := e.resolveImage(req.Image)
	d := e.newDroplet(req.Name, req.Region, req.Size, image, slices.Clone(req.Tags))
	d.UserData = req.UserData
	for _, k := range req.SSHKeys {
		d.SSHKeys = append(d.SSHKeys, e.findKey(k).fingerprint)
	}
	act := e.newAction("create", d)
	doJSON(w, http.StatusAccepted, map[string]any{
		"droplet": e.dropletJSON(d),
		"links": map[string]any{"actions": []any{map[string]any{
			"id": act.id, "rel": "create", "href": fmt.Sprintf("http://%s/v2/actions/%d", r.Host, act.id),
		}}},
	})
}

// validateCreate checks a create request as the API does and returns the
// status and message of the refusal, or 0. Callers hold e.mu.
func (e *DigitalOcean) validateCreate(req *doCreateDroplet) (int, string) {
	const unprocessable = http.StatusUnprocessableEntity
	if req.Name == "" {
		return unprocessable, "Name is required."
	}
	if !doHostnameRE.MatchString(req.Name) {
		return unprocessable, "Only valid hostname characters are allowed. (a-z, A-Z, 0-9, . and -)"
	}
	region, ok := doFindRegion(req.Region)
	if !ok || !region.available {
		return unprocessable, "You specified an invalid region for Droplet creation."
	}
	size, ok := doFindSize(req.Size)
	if !ok {
		return unprocessable, "You specified an invalid size for Droplet creation."
	}
	if !size.available || !slices.Contains(size.regionSlugs(), req.Region) {
		return unprocessable, "Size is not available in this region."
	}
	if _, ok := e.resolveImage(req.Image); !ok {
		return unprocessable, "You specified an invalid image for Droplet creation."
	}
	for _, k := range req.SSHKeys {
		if e.findKey(k) == nil {
			return unprocessable, "You specified an invalid SSH key ID or fingerprint."
		}
	}
	for _, t := range req.Tags {
		if !doTagRE.MatchString(t) {
			return unprocessable, fmt.Sprintf("Tag %q is invalid: tags may contain letters, numbers, colons, dashes and underscores, at most 255 of them.", t)
		}
	}
	if len(req.UserData) > doMaxUserData {
		return unprocessable, "User data is limited to 64 KiB."
	}
	if e.maxDroplets > 0 && len(e.droplets) >= e.maxDroplets {
		return unprocessable, "creating this/these droplet(s) will exceed your droplet limit"
	}
	return 0, ""
}

// resolveImage accepts a distribution slug, or the numeric id of a
// distribution or a snapshot, and returns the image's name for the
// droplet. Callers hold e.mu.
func (e *DigitalOcean) resolveImage(raw json.RawMessage) (string, bool) {
	var slug string
	if json.Unmarshal(raw, &slug) == nil {
		for _, img := range doImages {
			if img.slug == slug {
				return slug, true
			}
		}
		return "", false
	}
	var id int
	if json.Unmarshal(raw, &id) != nil {
		return "", false
	}
	for _, img := range doImages {
		if img.id == id {
			return img.slug, true
		}
	}
	if _, ok := e.snapshots[strconv.Itoa(id)]; ok {
		return strconv.Itoa(id), true
	}
	return "", false
}

func (e *DigitalOcean) listDroplets(w http.ResponseWriter, r *http.Request) {
	tag := r.URL.Query().Get("tag_name")
	e.mu.Lock()
	var matching []*doDroplet
	for _, d := range e.sortedDroplets() {
		if tag == "" || slices.Contains(d.Tags, tag) {
			matching = append(matching, d)
		}
	}
	page, links := doPage(r, matching, e.pageLimit())
	var items []any
	for _, d := range page {
		items = append(items, e.dropletJSON(d))
	}
	e.mu.Unlock()
	doWriteList(w, "droplets", items, links, len(matching))
}

func (e *DigitalOcean) getDroplet(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.droplets[doPathID(r)]
	if !ok {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	doJSON(w, http.StatusOK, map[string]any{"droplet": e.dropletJSON(d)})
}

func (e *DigitalOcean) deleteDroplet(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := doPathID(r)
	if _, ok := e.droplets[id]; !ok {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	delete(e.droplets, id)
	w.WriteHeader(http.StatusNoContent)
}

// sortedDroplets returns the droplets ordered by id. Callers hold e.mu.
func (e *DigitalOcean) sortedDroplets() []*doDroplet {
	out := make([]*doDroplet, 0, len(e.droplets))
	for _, d := range e.droplets {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *doDroplet) int { return a.ID - b.ID })
	return out
}

// newDroplet adds a droplet in state new. Callers hold e.mu.
func (e *DigitalOcean) newDroplet(name, region, size, image string, tags []string) *doDroplet {
	now := e.now()
	d := &doDroplet{DigitalOceanDroplet: DigitalOceanDroplet{
		ID: e.nextID(), Name: name, Status: "new", Region: region, Size: size, Image: image,
		Tags: tags, Created: now.UTC().Truncate(time.Second),
	}, readyAt: now.Add(e.readyAfter)}
	e.droplets[d.ID] = d
	return d
}

// activate makes the droplet active with a public IPv4 from
// 203.0.113.0/24 (TEST-NET-3).
func (d *doDroplet) activate() {
	d.Status = "active"
	d.IP = fmt.Sprintf("203.0.113.%d", d.ID%253+1)
}

// dropletJSON renders a droplet as the API does. Callers hold e.mu.
func (e *DigitalOcean) dropletJSON(d *doDroplet) map[string]any {
	size, _ := doFindSize(d.Size)
	region, _ := doFindRegion(d.Region)
	v4 := []any{}
	if d.IP != "" {
		v4 = append(v4,
			map[string]any{"ip_address": d.IP, "netmask": "255.255.255.0", "gateway": "203.0.113.254", "type": "public"},
			map[string]any{"ip_address": fmt.Sprintf("10.108.0.%d", d.ID%253+1), "netmask": "255.255.240.0", "gateway": "", "type": "private"})
	}
	image := map[string]any{"slug": d.Image}
	for _, img := range doImages {
		if img.slug == d.Image {
			image = img.json()
		}
	}
	if s, ok := e.snapshots[d.Image]; ok {
		n, _ := strconv.Atoi(s.ID)
		image = map[string]any{"id": n, "name": s.Name, "type": "snapshot", "public": false, "distribution": "Ubuntu"}
	}
	return map[string]any{
		"id": d.ID, "name": d.Name, "memory": size.memoryMB, "vcpus": size.vcpus, "disk": size.diskGB,
		"locked": false, "status": d.Status, "kernel": nil, "created_at": doTime(d.Created),
		"features": []string{"droplet_agent", "private_networking"}, "backup_ids": []int{},
		"next_backup_window": nil, "snapshot_ids": doNonNil(d.snapshotIDs), "image": image,
		"volume_ids": []string{}, "size": size.json(), "size_slug": d.Size,
		"networks": map[string]any{"v4": v4, "v6": []any{}}, "region": region.json(),
		"tags": doNonNil(d.Tags), "vpc_uuid": "5a4981aa-9653-4bd1-bef5-d6bff52042e4",
	}
}

// doPathID returns the numeric {id} of the request path, or 0.
func doPathID(r *http.Request) int {
	id, _ := strconv.Atoi(r.PathValue("id"))
	return id
}
