package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
)

func (e *DigitalOcean) dropletAction(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Type string `json:"type"`
		Name string `json:"name"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		doError(w, http.StatusBadRequest, "bad_request", "Unable to parse request body: "+err.Error())
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.droplets[doPathID(r)]
	switch {
	case !ok:
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	case req.Type != "snapshot":
		doError(w, http.StatusUnprocessableEntity, "unprocessable_entity", fmt.Sprintf("Action type %q is not supported.", req.Type))
		return
	case e.pendingSnapshot(d.ID):
		doError(w, http.StatusUnprocessableEntity, "unprocessable_entity", "Droplet already has a pending event.")
		return
	}
	a := e.newAction("snapshot", d)
	a.name = req.Name
	if a.name == "" {
		a.name = fmt.Sprintf("%s-%d", d.Name, e.now().Unix())
	}
	a.doneAt = a.started.Add(e.actionAfter)
	if e.failActions > 0 {
		e.failActions--
		a.fail = true
	}
	doJSON(w, http.StatusCreated, map[string]any{"action": a.json()})
}

// pendingSnapshot reports whether a snapshot of droplet id is in progress.
// Callers hold e.mu.
func (e *DigitalOcean) pendingSnapshot(id int) bool {
	for _, a := range e.actions {
		if a.droplet == id && a.kind == "snapshot" && a.status == "in-progress" {
			return true
		}
	}
	return false
}

func (e *DigitalOcean) getAction(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	a, ok := e.actions[doPathID(r)]
	if !ok {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	doJSON(w, http.StatusOK, map[string]any{"action": a.json()})
}

// newAction starts an in-progress action on droplet d. Callers hold e.mu.
func (e *DigitalOcean) newAction(kind string, d *doDroplet) *doAction {
	now := e.now()
	a := &doAction{
		id: e.nextID(), kind: kind, status: "in-progress", started: now, doneAt: now,
		droplet: d.ID, region: d.Region,
	}
	e.actions[a.id] = a
	return a
}

func (a *doAction) json() map[string]any {
	region, _ := doFindRegion(a.region)
	return map[string]any{
		"id": a.id, "status": a.status, "type": a.kind,
		"started_at": doTime(a.started), "completed_at": doTime(a.completed),
		"resource_id": a.droplet, "resource_type": "droplet",
		"region": region.json(), "region_slug": a.region,
	}
}

// newSnapshot adds a droplet snapshot. Callers hold e.mu.
func (e *DigitalOcean) newSnapshot(name string, droplet int, region string, minDisk int) *doSnapshot {
	id := e.nextID()
	s := &doSnapshot{
		DigitalOceanSnapshot: DigitalOceanSnapshot{
			ID: strconv.Itoa(id), Name: name, DropletID: droplet, Region: region,
			Created: e.now().UTC(),
		},
		minDisk: minDisk,
		sizeGB:  1.5 + float64(id%7)/10,
	}
	e.snapshots[s.ID] = s
	return s
}

// sortedSnapshots returns the snapshots in creation order. Callers hold
// e.mu.
func (e *DigitalOcean) sortedSnapshots() []*doSnapshot {
	out := make([]*doSnapshot, 0, len(e.snapshots))
	for _, s := range e.snapshots {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b *doSnapshot) int {
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	})
	return out
}

func (s *doSnapshot) json() map[string]any {
	return map[string]any{
		"id": s.ID, "name": s.Name, "resource_id": strconv.Itoa(s.DropletID), "resource_type": "droplet",
		"regions": []string{s.Region}, "min_disk_size": s.minDisk, "size_gigabytes": s.sizeGB,
		"created_at": doTime(s.Created), "tags": doNonNil(s.Tags),
	}
}

func (e *DigitalOcean) listSnapshots(w http.ResponseWriter, r *http.Request) {
	kind := r.URL.Query().Get("resource_type")
	e.mu.Lock()
	var matching []*doSnapshot
	if kind == "" || kind == "droplet" {
		matching = e.sortedSnapshots()
	}
	page, links := doPage(r, matching, e.pageLimit())
	var items []any
	for _, s := range page {
		items = append(items, s.json())
	}
	e.mu.Unlock()
	doWriteList(w, "snapshots", items, links, len(matching))
}

func (e *DigitalOcean) getSnapshot(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.snapshots[r.PathValue("id")]
	if !ok {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	doJSON(w, http.StatusOK, map[string]any{"snapshot": s.json()})
}

func (e *DigitalOcean) deleteSnapshot(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	id := r.PathValue("id")
	if _, ok := e.snapshots[id]; !ok {
		doError(w, http.StatusNotFound, "not_found", "The resource you were accessing could not be found.")
		return
	}
	delete(e.snapshots, id)
	w.WriteHeader(http.StatusNoContent)
}
