package metrics

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// checkTimeout bounds one readiness check.
const checkTimeout = 3 * time.Second

// Check is one readiness condition, such as "socket" (Socket Mode connected)
// or "database" (the store is open).
type Check struct {
	// Name names the check in /readyz's answer.
	Name string
	// Func returns nil when the condition holds. Its error text is shown
	// on /readyz, so it must not contain secrets.
	Func func(ctx context.Context) error
}

// Handler returns the HTTP handler for the listen address:
//
//   - GET /metrics serves m's registry in the Prometheus formats;
//   - GET /healthz answers 200 "ok" while the process runs;
//   - GET /readyz runs every check at once and answers 200 "ok" when all
//     pass, else 503 with one line per failing check, "name: error", in the
//     order the checks were given.
//
// Handler panics when a check has a nil Func.
func (m *Metrics) Handler(checks ...Check) http.Handler {
	for _, c := range checks {
		if c.Func == nil {
			panic(fmt.Sprintf("metrics: Handler: check %q has a nil Func", c.Name))
		}
	}
	checks = append([]Check(nil), checks...)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		failed := runChecks(r.Context(), checks)
		if len(failed) == 0 {
			writeText(w, http.StatusOK, "ok\n")
			return
		}
		writeText(w, http.StatusServiceUnavailable, strings.Join(failed, "\n")+"\n")
	})
	return mux
}

// runChecks runs checks concurrently and returns a "name: error" line per
// failing check, in the order of checks.
func runChecks(ctx context.Context, checks []Check) []string {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	errs := make([]error, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() { errs[i] = c.Func(ctx) })
	}
	wg.Wait()
	var failed []string
	for i, err := range errs {
		if err != nil {
			failed = append(failed, oneLine(checks[i].Name+": "+err.Error()))
		}
	}
	return failed
}

// oneLine folds line breaks so that each failing check stays one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

func writeText(w http.ResponseWriter, status int, body string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(body))
}
