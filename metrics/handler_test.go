package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/spuffbot/spuffbot/metrics"
)

// get sends method path to h and returns the status and body.
func get(t *testing.T, h http.Handler, method, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Code, rec.Body.String()
}

// flag is a readiness condition a test flips.
type flag struct {
	ok  atomic.Bool
	err error
}

func (f *flag) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if f.ok.Load() {
		return nil
	}
	return f.err
}

func TestHealthz(t *testing.T) {
	h := metrics.New().Handler(metrics.Check{Name: "socket", Func: func(context.Context) error {
		return errors.New("not connected")
	}})
	code, body := get(t, h, http.MethodGet, "/healthz")
	if code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /healthz = %d %q, want 200 %q (health ignores readiness)", code, body, "ok\n")
	}
}

func TestReadyzFlips(t *testing.T) {
	socket := &flag{err: errors.New("not connected")}
	database := &flag{err: errors.New("closed")}
	database.ok.Store(true)
	h := metrics.New().Handler(
		metrics.Check{Name: "socket", Func: socket.check},
		metrics.Check{Name: "database", Func: database.check},
	)
	steps := []struct {
		name             string
		socket, database bool
		wantCode         int
		wantBody         string
	}{
		{"starting", false, true, http.StatusServiceUnavailable, "socket: not connected\n"},
		{"connected", true, true, http.StatusOK, "ok\n"},
		{"database closed", true, false, http.StatusServiceUnavailable, "database: closed\n"},
		{"both down", false, false, http.StatusServiceUnavailable, "socket: not connected\ndatabase: closed\n"},
		{"recovered", true, true, http.StatusOK, "ok\n"},
	}
	for _, s := range steps {
		socket.ok.Store(s.socket)
		database.ok.Store(s.database)
		code, body := get(t, h, http.MethodGet, "/readyz")
		if code != s.wantCode || body != s.wantBody {
			t.Errorf("%s: GET /readyz = %d %q, want %d %q", s.name, code, body, s.wantCode, s.wantBody)
		}
	}
}

func TestReadyzOneLinePerCheck(t *testing.T) {
	h := metrics.New().Handler(metrics.Check{Name: "database", Func: func(context.Context) error {
		return errors.New("open spuff.db:\ntimeout")
	}})
	code, body := get(t, h, http.MethodGet, "/readyz")
	if want := "database: open spuff.db: timeout\n"; code != http.StatusServiceUnavailable || body != want {
		t.Errorf("GET /readyz = %d %q, want 503 %q", code, body, want)
	}
}

func TestReadyzWithoutChecks(t *testing.T) {
	code, body := get(t, metrics.New().Handler(), http.MethodGet, "/readyz")
	if code != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /readyz = %d %q, want 200 %q", code, body, "ok\n")
	}
}

func TestHandlerRoutes(t *testing.T) {
	h := metrics.New().Handler()
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodHead, "/healthz", http.StatusOK},
		{http.MethodPost, "/healthz", http.StatusMethodNotAllowed},
		{http.MethodDelete, "/metrics", http.StatusMethodNotAllowed},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/debug/pprof/", http.StatusNotFound},
	}
	for _, tt := range tests {
		if code, _ := get(t, h, tt.method, tt.path); code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, code, tt.want)
		}
	}
}

func TestHandlerNilCheckPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Errorf("Handler(Check{Func: nil}) did not panic")
		}
	}()
	metrics.New().Handler(metrics.Check{Name: "socket"})
}

func TestMetricsOverHTTP(t *testing.T) {
	m := metrics.New()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	m.CommandDone("down", metrics.OutcomeOK)
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", resp.StatusCode)
	}
	if got := parse(t, resp.Body).mustValue(t, "spuffbot_commands_total", map[string]string{"verb": "down", "outcome": "ok"}); got != 1 {
		t.Errorf("spuffbot_commands_total{verb=down,outcome=ok} = %v, want 1", got)
	}
}
