package providertest

import (
	"cmp"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"
)

// DigitalOcean is a stateful emulator of the DigitalOcean API (the part
// spuff uses), speaking the wire format godo expects: droplets with tags
// and the tag_name filter, droplet snapshot actions polled through
// GET /v2/actions/{id}, droplet snapshots (string ids) tagged through
// POST /v2/tags and POST /v2/tags/{tag}/resources (resource_type "image"),
// SSH keys, sizes and regions, and pagination through links.pages.next.
//
// Point godo at URL (godo.SetBaseURL) or set DIGITALOCEAN_API_URL to it.
// Call names for Calls are the route patterns, such as "POST /v2/droplets"
// and "GET /v2/droplets/{id}". Errors carry DigitalOcean's body
// {"id","message","request_id"}: 401 for a token RequireToken rejects, 404
// for unknown resources, 422 with DigitalOcean-like messages for an unknown
// size, region, image or SSH key, and injected 429s carry RateLimit-* and
// Retry-After headers.
type DigitalOcean struct {
	Knobs
	Loads // activity of the droplets, for the monitoring API
	// URL is the emulator's root URL; the API lives under /v2.
	URL string

	srv *httptest.Server
	mux *http.ServeMux
	now func() time.Time

	mu          sync.Mutex
	lastID      int
	readyAfter  time.Duration
	actionAfter time.Duration
	failActions int
	pageSize    int
	publicIP    string // SetPublicIP
	maxDroplets int
	droplets    map[int]*doDroplet
	actions     map[int]*doAction
	snapshots   map[string]*doSnapshot
	keys        map[string]*doKey // by fingerprint
	tags        map[string]bool   // tags made with POST /v2/tags
}

// DigitalOceanDroplet is a droplet as the emulator holds it.
type DigitalOceanDroplet struct {
	ID       int
	Name     string
	Status   string // new, active
	Region   string
	Size     string
	Image    string // slug, or the snapshot id it was made from
	UserData string
	Tags     []string
	SSHKeys  []string // fingerprints
	IP       string   // public IPv4, empty until active
	Created  time.Time
}

// DigitalOceanSnapshot is a droplet snapshot as the emulator holds it.
type DigitalOceanSnapshot struct {
	ID        string
	Name      string
	DropletID int
	Region    string
	Tags      []string
	Created   time.Time
}

type doDroplet struct {
	DigitalOceanDroplet
	readyAt     time.Time
	snapshotIDs []int
}

type doAction struct {
	id        int
	kind      string // create, snapshot
	status    string // in-progress, completed, errored
	started   time.Time
	completed time.Time
	doneAt    time.Time
	fail      bool
	droplet   int
	region    string
	name      string // snapshot name
}

type doSnapshot struct {
	DigitalOceanSnapshot
	minDisk int
	sizeGB  float64
}

type doKey struct {
	id          int
	name        string
	fingerprint string
	publicKey   string
}

// doMaxPerPage is the API's largest page.
const doMaxPerPage = 200

// NewDigitalOcean starts a DigitalOcean emulator with the catalog's sizes,
// regions and distribution images and no droplets. Close it when done.
func NewDigitalOcean() *DigitalOcean {
	e := &DigitalOcean{
		mux:       http.NewServeMux(),
		now:       time.Now,
		lastID:    3164000,
		droplets:  make(map[int]*doDroplet),
		actions:   make(map[int]*doAction),
		snapshots: make(map[string]*doSnapshot),
		keys:      make(map[string]*doKey),
		tags:      make(map[string]bool),
	}
	e.routes()
	e.srv = httptest.NewServer(http.HandlerFunc(e.serve))
	e.URL = e.srv.URL
	return e
}

func (e *DigitalOcean) routes() {
	m := e.mux
	m.HandleFunc("POST /v2/droplets", e.createDroplet)
	m.HandleFunc("GET /v2/droplets", e.listDroplets)
	m.HandleFunc("GET /v2/droplets/{id}", e.getDroplet)
	m.HandleFunc("DELETE /v2/droplets/{id}", e.deleteDroplet)
	m.HandleFunc("POST /v2/droplets/{id}/actions", e.dropletAction)
	m.HandleFunc("GET /v2/actions/{id}", e.getAction)
	m.HandleFunc("GET /v2/snapshots", e.listSnapshots)
	m.HandleFunc("GET /v2/snapshots/{id}", e.getSnapshot)
	m.HandleFunc("DELETE /v2/snapshots/{id}", e.deleteSnapshot)
	m.HandleFunc("GET /v2/account/keys/{id}", e.getKey)
	m.HandleFunc("POST /v2/account/keys", e.createKey)
	m.HandleFunc("GET /v2/sizes", e.listSizes)
	m.HandleFunc("GET /v2/regions", e.listRegions)
	m.HandleFunc("GET /v2/monitoring/metrics/droplet/cpu", e.dropletCPU)             // digitalocean_metrics.go
	m.HandleFunc("GET /v2/monitoring/metrics/droplet/bandwidth", e.dropletBandwidth) // digitalocean_metrics.go
	m.HandleFunc("POST /v2/tags", e.createTag)
	m.HandleFunc("POST /v2/tags/{tag}/resources", e.tagResources)
}

// Close shuts the emulator down.
func (e *DigitalOcean) Close() { e.srv.Close() }

// SetReadyAfter sets how long droplets created from now on stay "new"
// without a public IPv4. Zero makes them active on the first call after
// the create.
func (e *DigitalOcean) SetReadyAfter(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.readyAfter = d
}

// SetActionAfter sets how long snapshot actions started from now on stay
// in progress. Zero completes them on the first call after they start.
func (e *DigitalOcean) SetActionAfter(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.actionAfter = d
}

// FailActions makes the next n snapshot actions end "errored" without a
// snapshot.
func (e *DigitalOcean) FailActions(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.failActions = n
}

// SetPageSize caps the page size of every list reply, forcing clients to
// follow links.pages.next. Zero restores the API's limit of 200.
func (e *DigitalOcean) SetPageSize(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.pageSize = n
}

// SetDropletLimit makes creates beyond n droplets fail with the account's
// droplet-limit 422. Zero means no limit.
func (e *DigitalOcean) SetDropletLimit(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.maxDroplets = n
}

// AddDroplet puts an active droplet with the given tags straight into the
// cloud, as another tool would, and returns its id. Without tags it is
// one spuff does not manage.
func (e *DigitalOcean) AddDroplet(name string, tags ...string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := e.newDroplet(name, "nyc3", "s-1vcpu-1gb", "ubuntu-24-04-x64", slices.Clone(tags))
	d.activate()
	return d.ID
}

// AddSnapshot puts a droplet snapshot straight into the cloud and returns
// its id; it belongs to spuff only if its name starts with "spuff-" or it
// is tagged spuff.
func (e *DigitalOcean) AddSnapshot(name string, tags ...string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.newSnapshot(name, 0, "nyc3", 25)
	s.Tags = slices.Clone(tags)
	return s.ID
}

// Droplet returns the droplet with id.
func (e *DigitalOcean) Droplet(id int) (DigitalOceanDroplet, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d, ok := e.droplets[id]
	if !ok {
		return DigitalOceanDroplet{}, false
	}
	return d.copy(), true
}

// Droplets returns every droplet, ordered by id.
func (e *DigitalOcean) Droplets() []DigitalOceanDroplet {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []DigitalOceanDroplet
	for _, id := range slices.Sorted(maps.Keys(e.droplets)) {
		out = append(out, e.droplets[id].copy())
	}
	return out
}

// Snapshots returns every droplet snapshot, ordered by creation.
func (e *DigitalOcean) Snapshots() []DigitalOceanSnapshot {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []DigitalOceanSnapshot
	for _, s := range e.sortedSnapshots() {
		c := s.DigitalOceanSnapshot
		c.Tags = slices.Clone(c.Tags)
		out = append(out, c)
	}
	return out
}

// SSHKeys returns the fingerprints of the account's SSH keys, sorted.
func (e *DigitalOcean) SSHKeys() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Sorted(maps.Keys(e.keys))
}

func (d *doDroplet) copy() DigitalOceanDroplet {
	c := d.DigitalOceanDroplet
	c.Tags = slices.Clone(c.Tags)
	c.SSHKeys = slices.Clone(c.SSHKeys)
	return c
}

// nextID returns a fresh id; droplets, actions, snapshots and keys share
// the sequence. Callers hold e.mu.
func (e *DigitalOcean) nextID() int {
	e.lastID++
	return e.lastID
}

// advance brings droplets and actions up to date with the clock: booted
// droplets become active, finished actions complete (making their
// snapshots) or error. Callers hold e.mu.
func (e *DigitalOcean) advance() {
	now := e.now()
	for _, d := range e.droplets {
		if d.Status == "new" && !now.Before(d.readyAt) {
			d.activate()
			d.IP = cmp.Or(e.publicIP, d.IP)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(e.actions)) {
		a := e.actions[id]
		if a.status != "in-progress" || now.Before(a.doneAt) {
			continue
		}
		if a.kind == "create" {
			if d, ok := e.droplets[a.droplet]; ok && d.Status == "new" {
				continue // completes when the droplet is up
			}
		}
		a.status, a.completed = "completed", now
		if a.fail {
			a.status = "errored"
		}
		if a.kind == "snapshot" && !a.fail {
			disk := 25
			if d, ok := e.droplets[a.droplet]; ok {
				if s, ok := doFindSize(d.Size); ok {
					disk = s.diskGB
				}
				s := e.newSnapshot(a.name, a.droplet, a.region, disk)
				n, _ := strconv.Atoi(s.ID)
				d.snapshotIDs = append(d.snapshotIDs, n)
			}
		}
	}
}

// serve names the endpoint, applies the Knobs (counting, token, faults,
// delays) and hands the call to the API routes.
func (e *DigitalOcean) serve(w http.ResponseWriter, r *http.Request) {
	_, pattern := e.mux.Handler(r)
	endpoint := pattern
	if endpoint == "" {
		endpoint = r.Method + " " + r.URL.Path
	}
	f, fail, authOK := e.Admit(endpoint, r)
	w.Header().Set("RateLimit-Limit", "5000")
	w.Header().Set("RateLimit-Remaining", "4999")
	w.Header().Set("RateLimit-Reset", strconv.FormatInt(e.now().Add(time.Minute).Unix(), 10))
	if !f.AfterServe && !doSleep(r.Context(), f.Delay) {
		return
	}
	switch {
	case fail && !f.AfterServe:
		e.writeFault(w, f)
		return
	case !authOK:
		doError(w, http.StatusUnauthorized, "unauthorized", "Unable to authenticate you")
		return
	case pattern == "":
		doError(w, http.StatusNotFound, "not_found", "The resource you requested could not be found.")
		return
	}
	e.mu.Lock()
	e.advance()
	e.mu.Unlock()
	if !f.AfterServe {
		e.mux.ServeHTTP(w, r)
		return
	}
	// The call is carried out, but its reply is lost or replaced.
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, r)
	if !doSleep(r.Context(), f.Delay) {
		return
	}
	if fail {
		e.writeFault(w, f)
		return
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
