package providertest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Hetzner is a stateful emulator of the Hetzner Cloud API (the part spuff
// uses), speaking the wire format hcloud-go v2 expects: servers, actions
// polled through GET /v1/actions?id=N, snapshots made with create_image,
// server types with per-location prices, locations, system images and
// pagination through meta.pagination.
//
// Point hcloud-go at Endpoint(), which is URL + "/v1". Call names for
// Calls are the route patterns, such as "POST /v1/servers" and
// "GET /v1/servers/{id}".
type Hetzner struct {
	Knobs
	Loads // activity of the servers, for GET /v1/servers/{id}/metrics
	// URL is the emulator's root URL, without the /v1 prefix.
	URL string

	srv *httptest.Server
	now func() time.Time

	mu         sync.Mutex
	nextID     int64
	nextIP     int
	readyAfter time.Duration
	pageSize   int
	maxServers int
	servers    map[int64]*hzServer
	actions    map[int64]*hzAction
	images     map[int64]*hzImage
}

// HetznerServer is a server as the emulator holds it.
type HetznerServer struct {
	ID         int64
	Name       string
	Status     string // initializing, running
	ServerType string
	Location   string
	Image      int64
	UserData   string
	Labels     map[string]string
	IPv4       string
	Created    time.Time
}

// HetznerImage is an image (system image or snapshot) as the emulator holds
// it.
type HetznerImage struct {
	ID          int64
	Type        string // system, snapshot
	Status      string // creating, available
	Name        string // system images only
	Description string
	Labels      map[string]string
	CreatedFrom int64 // server id, snapshots only
	Created     time.Time
}

type hzServer struct {
	HetznerServer
	readyAt time.Time
}

type hzImage struct {
	HetznerImage
	readyAt time.Time
}

type hzAction struct {
	id       int64
	command  string
	status   string // running, success
	started  time.Time
	finished time.Time
	doneAt   time.Time
	resource int64
	resType  string
	image    int64 // create_image: the image that becomes available
}

// NewHetzner starts a Hetzner Cloud emulator with the catalog's server
// types, locations and system images and no servers. Close it when done.
func NewHetzner() *Hetzner {
	h := &Hetzner{
		now:     time.Now,
		nextID:  1000,
		servers: make(map[int64]*hzServer),
		actions: make(map[int64]*hzAction),
		images:  make(map[int64]*hzImage),
	}
	for _, img := range hzSystemImages {
		h.images[img.ID] = &hzImage{HetznerImage: img}
	}
	mux := http.NewServeMux()
	h.routes(mux)
	h.srv = httptest.NewServer(h.middleware(mux))
	h.URL = h.srv.URL
	return h
}

// Endpoint returns the API endpoint to hand to hcloud-go (WithEndpoint) or
// to HCLOUD_ENDPOINT.
func (h *Hetzner) Endpoint() string { return h.URL + "/v1" }

// Close shuts the emulator down.
func (h *Hetzner) Close() { h.srv.Close() }

// SetReadyAfter sets how long a new server stays initializing (without a
// public IPv4) and how long actions run. Zero makes them finish on the
// first read after creation.
func (h *Hetzner) SetReadyAfter(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.readyAfter = d
}

// SetPageSize caps the page size of every list reply, forcing clients to
// follow meta.pagination.next_page. Zero restores the API's own limits
// (per_page defaults to 25, at most 50).
func (h *Hetzner) SetPageSize(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pageSize = n
}

// SetMaxServers makes creating a server beyond n servers fail with 403
// resource_limit_exceeded, as an account's server limit does. Zero means
// no limit.
func (h *Hetzner) SetMaxServers(n int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.maxServers = n
}

// AddServer puts a running server directly into the emulator, bypassing
// the API (and its faults and counters), and returns its id. Without
// spuff's labels it stands for a server someone else made.
func (h *Hetzner) AddServer(name string, labels map[string]string) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	s := &hzServer{HetznerServer: HetznerServer{
		ID: h.id(), Name: name, Status: "running", ServerType: "cx22", Location: "fsn1",
		Image: hzSystemImages[1].ID, Labels: maps.Clone(labels), IPv4: h.ip(), Created: now,
	}, readyAt: now}
	h.servers[s.ID] = s
	return s.ID
}

// AddSnapshot puts an available snapshot directly into the emulator and
// returns its id. Without spuff's labels it stands for someone else's.
func (h *Hetzner) AddSnapshot(description string, labels map[string]string) int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	now := h.now()
	img := &hzImage{HetznerImage: HetznerImage{
		ID: h.id(), Type: "snapshot", Status: "available", Description: description,
		Labels: maps.Clone(labels), Created: now,
	}, readyAt: now}
	h.images[img.ID] = img
	return img.ID
}

// Server returns the server with the given id as it is now.
func (h *Hetzner) Server(id int64) (HetznerServer, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	s, ok := h.servers[id]
	if !ok {
		return HetznerServer{}, false
	}
	return s.copy(), true
}

// Servers returns every server, in id order.
func (h *Hetzner) Servers() []HetznerServer {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	out := make([]HetznerServer, 0, len(h.servers))
	for _, id := range slices.Sorted(maps.Keys(h.servers)) {
		out = append(out, h.servers[id].copy())
	}
	return out
}

// Snapshots returns every snapshot image, in id order.
func (h *Hetzner) Snapshots() []HetznerImage {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.advance()
	var out []HetznerImage
	for _, id := range slices.Sorted(maps.Keys(h.images)) {
		if img := h.images[id]; img.Type == "snapshot" {
			c := img.HetznerImage
			c.Labels = maps.Clone(img.Labels)
			out = append(out, c)
		}
	}
	return out
}

func (s *hzServer) copy() HetznerServer {
	c := s.HetznerServer
	c.Labels = maps.Clone(s.Labels)
	return c
}

// id returns a fresh id for any resource. h.mu must be held.
func (h *Hetzner) id() int64 {
	h.nextID++
	return h.nextID
}

// ip returns a fresh address from 203.0.113.0/24. h.mu must be held.
func (h *Hetzner) ip() string {
	h.nextIP++
	return fmt.Sprintf("203.0.113.%d", 1+h.nextIP%254)
}

// advance moves servers, images and actions whose time has come to their
// finished state. h.mu must be held.
func (h *Hetzner) advance() {
	now := h.now()
	for _, s := range h.servers {
		if s.Status == "initializing" && !now.Before(s.readyAt) {
			s.Status = "running"
		}
	}
	for _, img := range h.images {
		if img.Status == "creating" && !now.Before(img.readyAt) {
			img.Status = "available"
		}
	}
	for _, a := range h.actions {
		if a.status == "running" && !now.Before(a.doneAt) {
			a.status, a.finished = "success", now
		}
	}
}

// action records a running action on a resource that finishes at doneAt.
// h.mu must be held.
func (h *Hetzner) action(command string, resource int64, resType string, doneAt time.Time) *hzAction {
	a := &hzAction{id: h.id(), command: command, status: "running", started: h.now(),
		doneAt: doneAt, resource: resource, resType: resType}
	h.actions[a.id] = a
	return a
}

// middleware names the endpoint, applies the Knobs (counting, token,
// faults, delays) and makes every reply JSON.
func (h *Hetzner) middleware(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pattern := mux.Handler(r)
		endpoint := pattern
		if endpoint == "" {
			endpoint = r.Method + " " + r.URL.Path
		}
		f, fail, authOK := h.Admit(endpoint, r)
		if f.Delay > 0 {
			if !hzSleep(r.Context(), f.Delay) {
				return
			}
		}
		switch {
		case !authOK:
			hzError(w, http.StatusUnauthorized, "unauthorized", "unable to authenticate", nil)
		case fail && !f.AfterServe:
			h.writeFault(w, f)
		case fail:
			mux.ServeHTTP(httptest.NewRecorder(), r)
			h.writeFault(w, f)
		case pattern == "":
			hzError(w, http.StatusNotFound, "not_found", "the requested resource was not found", nil)
		default:
			mux.ServeHTTP(w, r)
		}
	})
}

func hzSleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// writeFault answers with an injected failure in Hetzner's error format.
func (h *Hetzner) writeFault(w http.ResponseWriter, f Fault) {
	if f.Dropped(w) {
		return
	}
	code, msg := "server_error", "an internal error occurred"
	switch f.Status {
	case http.StatusUnauthorized:
		code, msg = "unauthorized", "unable to authenticate"
	case http.StatusForbidden:
		code, msg = "forbidden", "insufficient permissions for this request"
	case http.StatusNotFound:
		code, msg = "not_found", "the requested resource was not found"
	case http.StatusConflict:
		code, msg = "conflict", "the resource has changed during the request, please retry"
		if f.Conflict {
			code, msg = "uniqueness_error", "server name is already used"
		}
	case http.StatusTooManyRequests:
		code, msg = "rate_limit_exceeded", "limit of 3600 requests per hour reached"
		w.Header().Set("RateLimit-Limit", "3600")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(h.now().Add(time.Second).Unix(), 10))
	case http.StatusBadGateway:
		code, msg = "bad_gateway", "the request could not be answered by the API backend, please retry"
	case http.StatusServiceUnavailable:
		code, msg = "unavailable", "the service is currently not available"
	case http.StatusGatewayTimeout:
		code, msg = "timeout", "the request could not be answered in time, please retry"
	}
	f.WriteHeaders(w)
	hzError(w, f.Status, code, msg, nil)
}

// hzError writes {"error":{"code","message","details"}}.
func hzError(w http.ResponseWriter, status int, code, message string, details any) {
	if details == nil {
		details = map[string]any{}
	}
	hzJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message, "details": details,
	}})
}

// hzInvalidField writes Hetzner's invalid_input error for one field.
func hzInvalidField(w http.ResponseWriter, field, problem string) {
	hzError(w, http.StatusBadRequest, "invalid_input", "invalid input in field '"+field+"'",
		map[string]any{"fields": []any{map[string]any{"name": field, "messages": []string{problem}}}})
}

func hzNotFound(w http.ResponseWriter, kind string, id string) {
	hzError(w, http.StatusNotFound, "not_found", fmt.Sprintf("%s with ID '%s' not found", kind, id), nil)
}

func hzJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// hzTime formats t as RFC 3339, or null for the zero time.
func hzTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
