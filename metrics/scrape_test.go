package metrics_test

import (
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/spuffbot/spuffbot/metrics"
)

// scrape fetches /metrics from m's handler and parses the text format.
func scrape(t *testing.T, m *metrics.Metrics) families {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d %q, want 200", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics Content-Type = %q, want text/plain", ct)
	}
	return parse(t, rec.Body)
}

// parse parses the Prometheus text format.
func parse(t *testing.T, r io.Reader) families {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := parser.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families(mfs)
}

// families are the metric families of one scrape, by name.
type families map[string]*dto.MetricFamily

// find returns the metric of family name whose labels are exactly labels.
func (f families) find(name string, labels map[string]string) (*dto.Metric, bool) {
	mf, ok := f[name]
	if !ok {
		return nil, false
	}
	for _, m := range mf.GetMetric() {
		got := make(map[string]string)
		for _, lp := range m.GetLabel() {
			got[lp.GetName()] = lp.GetValue()
		}
		if maps.Equal(got, labels) {
			return m, true
		}
	}
	return nil, false
}

// value returns the value of a counter or gauge, or the sample count of a
// histogram; ok is false when the series is absent.
func (f families) value(name string, labels map[string]string) (v float64, ok bool) {
	m, ok := f.find(name, labels)
	if !ok {
		return 0, false
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue(), true
	case m.Gauge != nil:
		return m.Gauge.GetValue(), true
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount()), true
	}
	return 0, false
}

// mustValue is value that fails the test when the series is absent.
func (f families) mustValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := f.value(name, labels)
	if !ok {
		t.Fatalf("%s%v is absent; families: %v", name, labels, slices.Sorted(maps.Keys(f)))
	}
	return v
}

// series returns how many series family name has.
func (f families) series(name string) int { return len(f[name].GetMetric()) }
