package providertest

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
)

func (h *Hetzner) routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/servers", h.createServer)
	mux.HandleFunc("GET /v1/servers", h.listServers)
	mux.HandleFunc("GET /v1/servers/{id}", h.getServer)
	mux.HandleFunc("DELETE /v1/servers/{id}", h.deleteServer)
	mux.HandleFunc("GET /v1/servers/{id}/metrics", h.serverMetrics) // hetzner_metrics.go
	mux.HandleFunc("POST /v1/servers/{id}/actions/create_image", h.createImage)
	mux.HandleFunc("GET /v1/actions", h.listActions)
	mux.HandleFunc("GET /v1/actions/{id}", h.getAction)
	mux.HandleFunc("GET /v1/images", h.listImages)
	mux.HandleFunc("GET /v1/images/{id}", h.getImage)
	mux.HandleFunc("DELETE /v1/images/{id}", h.deleteImage)
	mux.HandleFunc("GET /v1/server_types", h.listServerTypes)
	mux.HandleFunc("GET /v1/locations", h.listLocations)
	mux.HandleFunc("GET /v1/pricing", h.getPricing)
}

// hzHostname matches RFC 1123 names, as Hetzner requires of server names.
var hzHostname = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$`)

type hzCreateServer struct {
	Name       string            `json:"name"`
	ServerType json.RawMessage   `json:"server_type"`
	Image      json.RawMessage   `json:"image"`
	Location   string            `json:"location"`
	UserData   string            `json:"user_data"`
	Labels     map[string]string `json:"labels"`
	SSHKeys    []int64           `json:"ssh_keys"`
}

// hzIDOrName decodes a field that may hold an id (number or numeric string)
// or a name.
func hzIDOrName(raw json.RawMessage) (id int64, name string) {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return n, ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return hzIDOrNameString(s)
	}
	return 0, ""
}

func hzIDOrNameString(s string) (id int64, name string) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, ""
	}
	return 0, s
}

func (h *Hetzner) createServer(w http.ResponseWriter, r *http.Request) {
	var req hzCreateServer
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		hzError(w, http.StatusBadRequest, "json_error", "invalid JSON in request body", nil)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if !hzHostname.MatchString(req.Name) {
		hzInvalidField(w, "name", "name must be a valid hostname")
		return
	}
	for _, s := range h.servers {
		if s.Name == req.Name {
			hzError(w, http.StatusConflict, "uniqueness_error", "server name is already used",
				map[string]any{"fields": []any{map[string]any{"name": "name"}}})
			return
		}
	}
	if !hzValidLabels(req.Labels) {
		hzInvalidField(w, "labels", "label keys and values must follow the label rules")
		return
	}
	if len(req.SSHKeys) > 0 {
		hzInvalidField(w, "ssh_keys", "ssh key not found")
		return
	}
	st, ok := hzFindServerType(hzIDOrName(req.ServerType))
	if !ok {
		hzInvalidField(w, "server_type", "server type not found")
		return
	}
	img, ok := h.findImage(hzIDOrName(req.Image))
	if !ok {
		hzInvalidField(w, "image", "image not found")
		return
	}
	loc := req.Location
	if loc == "" {
		loc = st.prices[0].location
	}
	l, ok := hzFindLocation(hzIDOrNameString(loc))
	if !ok {
		hzInvalidField(w, "location", "location not found")
		return
	}
	if _, ok := st.price(l.name); !ok {
		hzError(w, http.StatusBadRequest, "invalid_input", "unsupported location for server type", nil)
		return
	}
	if h.maxServers > 0 && len(h.servers) >= h.maxServers {
		hzError(w, http.StatusForbidden, "resource_limit_exceeded", "server limit exceeded", nil)
		return
	}
	now := h.now()
	s := &hzServer{HetznerServer: HetznerServer{
		ID: h.id(), Name: req.Name, Status: "initializing", ServerType: st.name, Location: l.name,
		Image: img.ID, UserData: req.UserData, Labels: maps.Clone(req.Labels), Created: now,
		IPv4: h.ip(), // the primary IPv4 is assigned at create and in its answer
	}, readyAt: now.Add(h.readyAfter)}
	if s.Labels == nil {
		s.Labels = map[string]string{}
	}
	h.servers[s.ID] = s
	a := h.action("create_server", s.ID, "server", s.readyAt)
	hzJSON(w, http.StatusCreated, map[string]any{
		"server": h.serverJSON(s), "action": a.json(), "next_actions": []any{}, "root_password": nil,
	})
}

func (h *Hetzner) listServers(w http.ResponseWriter, r *http.Request) {
	sel, ok := hzParseSelector(r.URL.Query().Get("label_selector"))
	if !ok {
		hzError(w, http.StatusBadRequest, "invalid_input", "label_selector is invalid", nil)
		return
	}
	name := r.URL.Query().Get("name")
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	var items []any
	for _, id := range slices.Sorted(maps.Keys(h.servers)) {
		s := h.servers[id]
		if sel.matches(s.Labels) && (name == "" || s.Name == name) {
			items = append(items, h.serverJSON(s))
		}
	}
	h.writePage(w, r, "servers", items)
}

func (h *Hetzner) getServer(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	s, ok := h.servers[hzPathID(r)]
	if !ok {
		hzNotFound(w, "server", r.PathValue("id"))
		return
	}
	hzJSON(w, http.StatusOK, map[string]any{"server": h.serverJSON(s)})
}

func (h *Hetzner) deleteServer(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := hzPathID(r)
	if _, ok := h.servers[id]; !ok {
		hzNotFound(w, "server", r.PathValue("id"))
		return
	}
	delete(h.servers, id)
	a := h.action("delete_server", id, "server", h.now().Add(h.readyAfter))
	hzJSON(w, http.StatusOK, map[string]any{"action": a.json()})
}

type hzCreateImage struct {
	Type        string            `json:"type"`
	Description *string           `json:"description"`
	Labels      map[string]string `json:"labels"`
}

func (h *Hetzner) createImage(w http.ResponseWriter, r *http.Request) {
	var req hzCreateImage
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		hzError(w, http.StatusBadRequest, "json_error", "invalid JSON in request body", nil)
		return
	}
	if req.Type == "" {
		req.Type = "snapshot"
	}
	if req.Type != "snapshot" && req.Type != "backup" {
		hzInvalidField(w, "type", "type must be snapshot or backup")
		return
	}
	if !hzValidLabels(req.Labels) {
		hzInvalidField(w, "labels", "label keys and values must follow the label rules")
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s, ok := h.servers[hzPathID(r)]
	if !ok {
		hzNotFound(w, "server", r.PathValue("id"))
		return
	}
	now := h.now()
	img := &hzImage{HetznerImage: HetznerImage{
		ID: h.id(), Type: req.Type, Status: "creating", Labels: maps.Clone(req.Labels),
		CreatedFrom: s.ID, Created: now,
	}, readyAt: now.Add(h.readyAfter)}
	if req.Description != nil {
		img.Description = *req.Description
	}
	if img.Labels == nil {
		img.Labels = map[string]string{}
	}
	h.images[img.ID] = img
	a := h.action("create_image", s.ID, "server", img.readyAt)
	a.image = img.ID
	hzJSON(w, http.StatusCreated, map[string]any{"image": h.imageJSON(img), "action": a.json()})
}

func (h *Hetzner) listActions(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	want := make(map[int64]bool)
	for _, s := range q["id"] {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			hzInvalidField(w, "id", "id must be an integer")
			return
		}
		want[id] = true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	var items []any
	for _, id := range slices.Sorted(maps.Keys(h.actions)) {
		a := h.actions[id]
		if (len(want) == 0 || want[id]) && (len(q["status"]) == 0 || slices.Contains(q["status"], a.status)) {
			items = append(items, a.json())
		}
	}
	h.writePage(w, r, "actions", items)
}

func (h *Hetzner) getAction(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	a, ok := h.actions[hzPathID(r)]
	if !ok {
		hzNotFound(w, "action", r.PathValue("id"))
		return
	}
	hzJSON(w, http.StatusOK, map[string]any{"action": a.json()})
}

// hzPathID returns the {id} path value, or 0 when it is not a number.
func hzPathID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// serverJSON renders s the way GET /v1/servers/{id} does. h.mu must be held.
func (h *Hetzner) serverJSON(s *hzServer) map[string]any {
	st, _ := hzFindServerType(0, s.ServerType)
	l, _ := hzFindLocation(0, s.Location)
	var ipv4 any
	if s.IPv4 != "" {
		ipv4 = map[string]any{"id": s.ID + 1_000_000, "ip": s.IPv4, "blocked": false, "dns_ptr": "static." + s.IPv4 + ".clients.your-server.de"}
	}
	var img any
	if i, ok := h.images[s.Image]; ok {
		img = h.imageJSON(i)
	}
	return map[string]any{
		"id": s.ID, "name": s.Name, "status": s.Status, "created": hzTime(s.Created),
		"public_net": map[string]any{
			"ipv4":         ipv4,
			"ipv6":         map[string]any{"id": s.ID + 2_000_000, "ip": fmt.Sprintf("2001:db8:%x::/64", s.ID&0xffff), "blocked": false, "dns_ptr": []any{}},
			"floating_ips": []any{}, "firewalls": []any{},
		},
		"private_net": []any{}, "server_type": st.json(), "location": l.json(), "image": img,
		"labels": s.Labels, "locked": false, "rescue_enabled": false, "backup_window": nil, "iso": nil,
		"protection": map[string]any{"delete": false, "rebuild": false}, "volumes": []any{},
		"load_balancers": []any{}, "primary_disk_size": st.disk, "included_traffic": 21990232555520,
		"outgoing_traffic": 0, "ingoing_traffic": 0, "placement_group": nil,
	}
}

func (a *hzAction) json() map[string]any {
	progress := 0
	if a.status == "success" {
		progress = 100
	}
	return map[string]any{
		"id": a.id, "command": a.command, "status": a.status, "progress": progress,
		"started": hzTime(a.started), "finished": hzTime(a.finished), "error": nil,
		"resources": []any{map[string]any{"id": a.resource, "type": a.resType}},
	}
}
