package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// hzCall sends one request to the emulator and decodes the JSON reply.
func hzCall(t *testing.T, h *Hetzner, method, path, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, h.Endpoint()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if len(raw) > 0 {
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s Content-Type = %q, want application/json", method, path, ct)
		}
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s reply %q is not JSON: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode, resp.Header, v
}

// hzPath walks v along keys (map keys or slice indexes).
func hzPath(v any, keys ...string) any {
	for _, k := range keys {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, _ := strconv.Atoi(k)
			if i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func TestHetznerServerLifecycleOnTheWire(t *testing.T) {
	h := NewHetzner()
	defer h.Close()
	h.RequireToken("tok")

	code, _, v := hzCall(t, h, "POST", "/servers", "tok",
		`{"name":"dev","server_type":"cx22","image":"ubuntu-24.04","location":"fsn1","labels":{"managed-by":"spuff"}}`)
	if code != http.StatusCreated || hzPath(v, "server", "status") != "initializing" || hzPath(v, "server", "public_net", "ipv4", "ip") == nil {
		t.Fatalf("POST /v1/servers = %d %v, want 201 with an initializing server and its IPv4", code, v)
	}
	id := fmt.Sprint(hzPath(v, "server", "id"))
	action := fmt.Sprint(hzPath(v, "action", "id"))
	if hzPath(v, "action", "status") != "running" || hzPath(v, "action", "finished") != nil {
		t.Errorf("POST /v1/servers action = %v, want running, finished null", hzPath(v, "action"))
	}

	_, _, v = hzCall(t, h, "GET", "/actions?id="+action+"&page=1&sort=status&sort=id", "tok", "")
	if hzPath(v, "actions", "0", "status") != "success" || hzPath(v, "actions", "0", "finished") == nil {
		t.Errorf("GET /v1/actions?id=%s = %v, want the action finished", action, v)
	}
	_, _, v = hzCall(t, h, "GET", "/servers/"+id, "tok", "")
	if hzPath(v, "server", "status") != "running" || hzPath(v, "server", "public_net", "ipv4", "ip") == nil {
		t.Errorf("GET /v1/servers/%s = %v, want running with an IPv4", id, v)
	}

	code, _, v = hzCall(t, h, "DELETE", "/servers/"+id, "tok", "")
	if code != http.StatusOK || hzPath(v, "action", "command") != "delete_server" {
		t.Errorf("DELETE /v1/servers/%s = %d %v, want 200 with the delete action", id, code, v)
	}
	code, _, v = hzCall(t, h, "GET", "/servers/"+id, "tok", "")
	if code != http.StatusNotFound || hzPath(v, "error", "code") != "not_found" {
		t.Errorf("GET /v1/servers/%s after delete = %d %v, want 404 not_found", id, code, v)
	}
	code, _, v = hzCall(t, h, "GET", "/servers", "wrong", "")
	if code != http.StatusUnauthorized || hzPath(v, "error", "code") != "unauthorized" {
		t.Errorf("GET /v1/servers with a wrong token = %d %v, want 401 unauthorized", code, v)
	}
	if got := h.Calls("GET /v1/servers/{id}"); got != 2 {
		t.Errorf("Calls(GET /v1/servers/{id}) = %d, want 2", got)
	}
}

func TestHetznerPagination(t *testing.T) {
	h := NewHetzner()
	defer h.Close()
	for i := range 5 {
		h.AddServer(fmt.Sprintf("s%d", i), map[string]string{"managed-by": "spuff"})
	}
	h.SetPageSize(2)
	tests := []struct {
		query      string
		wantNames  []any
		next, prev any
	}{
		{"", []any{"s0", "s1"}, 2.0, nil},
		{"?page=2", []any{"s2", "s3"}, 3.0, 1.0},
		{"?page=3&per_page=50", []any{"s4"}, nil, 2.0},
		{"?page=9", []any{}, nil, 8.0},
	}
	for _, tt := range tests {
		_, _, v := hzCall(t, h, "GET", "/servers"+tt.query, "", "")
		var names []any
		for _, s := range hzPath(v, "servers").([]any) {
			names = append(names, hzPath(s, "name"))
		}
		p := hzPath(v, "meta", "pagination")
		got := []any{names, hzPath(p, "next_page"), hzPath(p, "previous_page"), hzPath(p, "total_entries")}
		want := []any{tt.wantNames, tt.next, tt.prev, 5.0}
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("GET /v1/servers%s (-want +got):\n%s", tt.query, diff)
		}
	}
}

func TestHetznerLabelSelector(t *testing.T) {
	h := NewHetzner()
	defer h.Close()
	h.AddServer("a", map[string]string{"managed-by": "spuff", "env": "dev"})
	h.AddServer("b", map[string]string{"managed-by": "spuff"})
	h.AddServer("c", map[string]string{"env": "prod"})
	tests := []struct {
		selector string
		want     string
	}{
		{"", "a,b,c"},
		{"managed-by=spuff", "a,b"},
		{"managed-by==spuff,env", "a"},
		{"env!=dev", "b,c"},
		{"!env", "b"},
		{"env in (dev)", "invalid"},
	}
	for _, tt := range tests {
		code, _, v := hzCall(t, h, "GET", "/servers?label_selector="+strings.ReplaceAll(tt.selector, " ", "+"), "", "")
		got := "invalid"
		if code == http.StatusOK {
			var names []string
			for _, s := range hzPath(v, "servers").([]any) {
				names = append(names, hzPath(s, "name").(string))
			}
			got = strings.Join(names, ",")
		}
		if got != tt.want {
			t.Errorf("GET /v1/servers?label_selector=%s = %q, want %q", tt.selector, got, tt.want)
		}
	}
}

func TestHetznerFaults(t *testing.T) {
	h := NewHetzner()
	defer h.Close()

	h.FailNext(1, Fault{Status: http.StatusTooManyRequests})
	code, hdr, v := hzCall(t, h, "GET", "/locations", "", "")
	reset, err := strconv.ParseInt(hdr.Get("RateLimit-Reset"), 10, 64)
	if code != http.StatusTooManyRequests || hzPath(v, "error", "code") != "rate_limit_exceeded" ||
		hdr.Get("RateLimit-Remaining") != "0" || err != nil || reset < time.Now().Unix() {
		t.Errorf("429 fault = %d %v %v, want rate_limit_exceeded with RateLimit-* headers", code, hdr, v)
	}

	h.FailNext(1, Fault{Status: http.StatusBadGateway, AfterServe: true})
	code, _, _ = hzCall(t, h, "POST", "/servers", "", `{"name":"lost","server_type":"cx22","image":"debian-12"}`)
	if code != http.StatusBadGateway || len(h.Servers()) != 1 {
		t.Errorf("AfterServe fault = %d with %d servers, want 502 with the server created", code, len(h.Servers()))
	}

	h.SetMaxServers(1)
	code, _, v = hzCall(t, h, "POST", "/servers", "", `{"name":"second","server_type":"cx22","image":"debian-12"}`)
	if code != http.StatusForbidden || hzPath(v, "error", "code") != "resource_limit_exceeded" {
		t.Errorf("create beyond SetMaxServers = %d %v, want 403 resource_limit_exceeded", code, v)
	}

	code, _, v = hzCall(t, h, "POST", "/servers", "", `{"name":"bad","server_type":"cx99","image":"debian-12"}`)
	if code != http.StatusBadRequest || hzPath(v, "error", "message") != "invalid input in field 'server_type'" ||
		hzPath(v, "error", "details", "fields", "0", "name") != "server_type" {
		t.Errorf("unknown server type = %d %v, want 400 invalid_input naming server_type", code, v)
	}
}
