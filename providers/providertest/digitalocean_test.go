package providertest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// doCall sends one request to the emulator with a bearer token and returns
// the status, headers and decoded JSON body (nil when empty).
func doCall(t *testing.T, e *DigitalOcean, method, path, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer tok")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if resp.StatusCode != http.StatusNoContent {
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatalf("%s %s: decode reply: %v", method, path, err)
		}
	}
	return resp.StatusCode, resp.Header, v
}

func newTestDigitalOcean(t *testing.T) *DigitalOcean {
	t.Helper()
	e := NewDigitalOcean()
	t.Cleanup(e.Close)
	return e
}

const doValidCreate = `{"name":"box","region":"nyc3","size":"s-1vcpu-1gb","image":"ubuntu-24-04-x64","tags":["spuff"],"user_data":"#!/bin/sh"}`

func TestDigitalOceanErrorBodies(t *testing.T) {
	tests := []struct {
		name       string
		token      string
		method     string
		path, body string
		wantStatus int
		wantID     string
		wantMsg    string
	}{
		{"bad token", "other", "GET", "/v2/droplets", "", 401, "unauthorized", "Unable to authenticate you"},
		{"unknown droplet", "", "GET", "/v2/droplets/1", "", 404, "not_found", "The resource you were accessing could not be found."},
		{"unknown route", "", "GET", "/v2/volumes", "", 404, "not_found", "The resource you requested could not be found."},
		{"unknown size", "", "POST", "/v2/droplets", strings.Replace(doValidCreate, "s-1vcpu-1gb", "s-9", 1), 422,
			"unprocessable_entity", "You specified an invalid size for Droplet creation."},
		{"unknown region", "", "POST", "/v2/droplets", strings.Replace(doValidCreate, "nyc3", "xyz1", 1), 422,
			"unprocessable_entity", "You specified an invalid region for Droplet creation."},
		{"unknown image", "", "POST", "/v2/droplets", strings.Replace(doValidCreate, "ubuntu-24-04-x64", "centos-6-x64", 1), 422,
			"unprocessable_entity", "You specified an invalid image for Droplet creation."},
		{"unknown image id", "", "POST", "/v2/droplets", strings.Replace(doValidCreate, `"ubuntu-24-04-x64"`, "77", 1), 422,
			"unprocessable_entity", "You specified an invalid image for Droplet creation."},
		{"unknown ssh key", "", "POST", "/v2/droplets", strings.Replace(doValidCreate, `"tags"`, `"ssh_keys":["aa:bb"],"tags"`, 1), 422,
			"unprocessable_entity", "You specified an invalid SSH key ID or fingerprint."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newTestDigitalOcean(t)
			e.RequireToken(tt.token)
			status, hdr, body := doCall(t, e, tt.method, tt.path, tt.body)
			if status != tt.wantStatus || body["id"] != tt.wantID || body["message"] != tt.wantMsg {
				t.Errorf("%s %s = %d %v, want %d id %q message %q", tt.method, tt.path, status, body, tt.wantStatus, tt.wantID, tt.wantMsg)
			}
			if body["request_id"] == "" || hdr.Get("Content-Type") == "" {
				t.Errorf("%s %s reply lacks request_id or Content-Type: %v %v", tt.method, tt.path, body, hdr)
			}
			if len(e.Droplets()) != 0 {
				t.Errorf("droplets after a refused call = %+v, want none", e.Droplets())
			}
		})
	}
}

func TestDigitalOceanRateLimitFault(t *testing.T) {
	e := newTestDigitalOcean(t)
	e.FailNext(1, Fault{Status: http.StatusTooManyRequests})
	status, hdr, body := doCall(t, e, "GET", "/v2/sizes", "")
	if status != 429 || body["id"] != "too_many_requests" {
		t.Fatalf("GET /v2/sizes = %d %v, want 429 too_many_requests", status, body)
	}
	for _, h := range []string{"RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After"} {
		if hdr.Get(h) == "" {
			t.Errorf("429 reply lacks %s", h)
		}
	}
	if hdr.Get("RateLimit-Remaining") != "0" {
		t.Errorf("RateLimit-Remaining = %q, want 0", hdr.Get("RateLimit-Remaining"))
	}
	if reset, err := strconv.ParseInt(hdr.Get("RateLimit-Reset"), 10, 64); err != nil || reset < time.Now().Unix() {
		t.Errorf("RateLimit-Reset = %q, want a Unix time not in the past", hdr.Get("RateLimit-Reset"))
	}
	if status, _, _ := doCall(t, e, "GET", "/v2/sizes", ""); status != 200 {
		t.Errorf("GET /v2/sizes after the fault = %d, want 200", status)
	}
	if got := e.Calls("GET /v2/sizes"); got != 2 {
		t.Errorf("Calls(GET /v2/sizes) = %d, want 2", got)
	}
}

func TestDigitalOceanLifecycle(t *testing.T) {
	e := newTestDigitalOcean(t)
	status, _, body := doCall(t, e, "POST", "/v2/droplets", doValidCreate)
	d, _ := body["droplet"].(map[string]any)
	if status != http.StatusAccepted || d["status"] != "new" {
		t.Fatalf("POST /v2/droplets = %d %v, want 202 with a new droplet", status, body)
	}
	id := strconv.Itoa(int(d["id"].(float64)))
	_, _, body = doCall(t, e, "GET", "/v2/droplets/"+id, "")
	d, _ = body["droplet"].(map[string]any)
	v4 := d["networks"].(map[string]any)["v4"].([]any)
	if d["status"] != "active" || len(v4) == 0 || !strings.HasPrefix(v4[0].(map[string]any)["ip_address"].(string), "203.0.113.") {
		t.Fatalf("GET /v2/droplets/%s = %v, want active with a public IPv4 in 203.0.113.0/24", id, d)
	}

	status, _, body = doCall(t, e, "POST", "/v2/droplets/"+id+"/actions", `{"type":"snapshot","name":"spuff-s"}`)
	act, _ := body["action"].(map[string]any)
	if status != http.StatusCreated || act["status"] != "in-progress" || act["type"] != "snapshot" {
		t.Fatalf("snapshot action = %d %v, want 201 in-progress", status, body)
	}
	actID := strconv.Itoa(int(act["id"].(float64)))
	_, _, body = doCall(t, e, "GET", "/v2/actions/"+actID, "")
	if act := body["action"].(map[string]any); act["status"] != "completed" || act["completed_at"] == nil {
		t.Fatalf("GET /v2/actions/%s = %v, want completed", actID, body)
	}
	_, _, body = doCall(t, e, "GET", "/v2/snapshots?resource_type=droplet", "")
	snaps := body["snapshots"].([]any)
	if len(snaps) != 1 {
		t.Fatalf("GET /v2/snapshots = %v, want one snapshot", body)
	}
	snap := snaps[0].(map[string]any)
	if _, isString := snap["id"].(string); !isString || snap["resource_id"] != id || snap["name"] != "spuff-s" {
		t.Errorf("snapshot = %v, want a string id, resource_id %s and name spuff-s", snap, id)
	}
	if _, _, body := doCall(t, e, "GET", "/v2/snapshots?resource_type=volume", ""); len(body["snapshots"].([]any)) != 0 {
		t.Errorf("GET /v2/snapshots?resource_type=volume = %v, want none", body)
	}
	for _, want := range []int{204, 404} {
		if status, _, _ := doCall(t, e, "DELETE", "/v2/droplets/"+id, ""); status != want {
			t.Errorf("DELETE /v2/droplets/%s = %d, want %d", id, status, want)
		}
		if status, _, _ := doCall(t, e, "DELETE", "/v2/snapshots/"+snap["id"].(string), ""); status != want {
			t.Errorf("DELETE /v2/snapshots/%s = %d, want %d", snap["id"], status, want)
		}
	}
	if got := e.Calls("DELETE /v2/droplets/{id}"); got != 2 {
		t.Errorf("Calls(DELETE /v2/droplets/{id}) = %d, want 2", got)
	}
}

func TestDigitalOceanReadyAfter(t *testing.T) {
	e := newTestDigitalOcean(t)
	e.SetReadyAfter(time.Hour)
	id := e.AddDroplet("x")
	_, _, body := doCall(t, e, "POST", "/v2/droplets", doValidCreate)
	newID := int(body["droplet"].(map[string]any)["id"].(float64))
	doCall(t, e, "GET", "/v2/droplets", "")
	if d, _ := e.Droplet(newID); d.Status != "new" || d.IP != "" {
		t.Errorf("droplet with an hour to boot = %+v, want new without an IP", d)
	}
	if d, _ := e.Droplet(id); d.Status != "active" {
		t.Errorf("AddDroplet() droplet = %+v, want active at once", d)
	}
}

func TestDigitalOceanPagination(t *testing.T) {
	e := newTestDigitalOcean(t)
	for i := range 5 {
		e.AddDroplet("m"+strconv.Itoa(i), "spuff")
	}
	e.AddDroplet("foreign")
	e.SetPageSize(2)
	var names []string
	next := "/v2/droplets?tag_name=spuff&per_page=200"
	for pages := 0; next != ""; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		_, _, body := doCall(t, e, "GET", next, "")
		for _, d := range body["droplets"].([]any) {
			names = append(names, d.(map[string]any)["name"].(string))
		}
		if total := body["meta"].(map[string]any)["total"]; total != 5.0 {
			t.Errorf("meta.total = %v, want 5", total)
		}
		next = ""
		if p, ok := body["links"].(map[string]any)["pages"].(map[string]any); ok && p["next"] != nil {
			u, err := url.Parse(p["next"].(string))
			if err != nil {
				t.Fatalf("links.pages.next = %v: %v", p["next"], err)
			}
			next = u.RequestURI()
		}
	}
	if diff := cmp.Diff([]string{"m0", "m1", "m2", "m3", "m4"}, names); diff != "" {
		t.Errorf("droplets across pages mismatch (-want +got):\n%s", diff)
	}
	if got := e.Calls("GET /v2/droplets"); got != 3 {
		t.Errorf("Calls(GET /v2/droplets) = %d, want 3", got)
	}
}

func TestDigitalOceanLostReply(t *testing.T) {
	e := newTestDigitalOcean(t)
	e.FailNext(1, Fault{Status: http.StatusInternalServerError, AfterServe: true})
	status, _, body := doCall(t, e, "POST", "/v2/droplets", doValidCreate)
	if status != 500 || body["id"] != "server_error" {
		t.Fatalf("POST /v2/droplets with a lost reply = %d %v, want 500 server_error", status, body)
	}
	if got := e.Droplets(); len(got) != 1 || got[0].UserData != "#!/bin/sh" {
		t.Errorf("droplets after a lost reply = %+v, want the one created", got)
	}
}

func TestDigitalOceanSlowReply(t *testing.T) {
	e := newTestDigitalOcean(t)
	e.FailNext(1, Fault{Delay: 10 * time.Millisecond})
	if status, _, body := doCall(t, e, "GET", "/v2/regions", ""); status != 200 || len(body["regions"].([]any)) == 0 {
		t.Errorf("GET /v2/regions slowed down = %d %v, want 200 with regions", status, body)
	}
}
