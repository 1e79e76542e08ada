package metrics_test

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spuffbot/spuffbot/metrics"
	"github.com/spuffbot/spuffbot/providers/demo"
)

func TestCommandDone(t *testing.T) {
	type call struct{ verb, outcome string }
	tests := []struct {
		name  string
		calls []call
		want  map[call]float64 // by recorded verb and outcome
	}{
		{
			name:  "outcomes",
			calls: []call{{"up", "ok"}, {"up", "ok"}, {"up", "refused"}, {"down", "error"}, {"up", "duplicate"}},
			want:  map[call]float64{{"up", "ok"}: 2, {"up", "refused"}: 1, {"down", "error"}: 1, {"up", "duplicate"}: 1},
		},
		{
			name:  "unknown outcome",
			calls: []call{{"list", "weird"}, {"list", "OK"}},
			want:  map[call]float64{{"list", "other"}: 2},
		},
		{
			name:  "verbs that are not words",
			calls: []call{{"", "refused"}, {"UP", "refused"}, {"up now", "refused"}, {"<@U024BE7LH>", "refused"}, {"averyveryverylongword", "refused"}},
			want:  map[call]float64{{"other", "refused"}: 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			for _, c := range tt.calls {
				m.CommandDone(c.verb, c.outcome)
			}
			f := scrape(t, m)
			if got := f.series("spuffbot_commands_total"); got != len(tt.want) {
				t.Errorf("spuffbot_commands_total has %d series, want %d", got, len(tt.want))
			}
			for c, want := range tt.want {
				labels := map[string]string{"verb": c.verb, "outcome": c.outcome}
				if got := f.mustValue(t, "spuffbot_commands_total", labels); got != want {
					t.Errorf("spuffbot_commands_total%v = %v, want %v", labels, got, want)
				}
			}
		})
	}
}

func TestCommandDoneBoundsVerbs(t *testing.T) {
	m := metrics.New()
	const calls = 100
	for i := range calls {
		m.CommandDone("verb"+string(rune('a'+i/26))+string(rune('a'+i%26)), metrics.OutcomeRefused)
	}
	f := scrape(t, m)
	const maxSeries = 32 + 1 // the verb bound, plus "other"
	if got := f.series("spuffbot_commands_total"); got > maxSeries {
		t.Errorf("%d distinct verbs gave %d series, want at most %d", calls, got, maxSeries)
	}
	var total float64
	for _, mm := range f["spuffbot_commands_total"].GetMetric() {
		total += mm.GetCounter().GetValue()
	}
	if total != calls {
		t.Errorf("sum of spuffbot_commands_total = %v, want %v", total, calls)
	}
	if _, ok := f.value("spuffbot_commands_total", map[string]string{"verb": "other", "outcome": "refused"}); !ok {
		t.Errorf("verbs past the bound are not recorded as other")
	}
}

func TestObserveAck(t *testing.T) {
	m := metrics.New()
	for _, d := range []time.Duration{200 * time.Microsecond, 5 * time.Millisecond, 2 * time.Second} {
		m.ObserveAck(d)
	}
	f := scrape(t, m)
	h, ok := f.find("spuffbot_ack_seconds", map[string]string{})
	if !ok || h.Histogram == nil {
		t.Fatalf("spuffbot_ack_seconds is absent or not a histogram")
	}
	if got := h.Histogram.GetSampleCount(); got != 3 {
		t.Errorf("spuffbot_ack_seconds count = %d, want 3", got)
	}
	if got, want := h.Histogram.GetSampleSum(), 2.0052; math.Abs(got-want) > 1e-9 {
		t.Errorf("spuffbot_ack_seconds sum = %v, want %v", got, want)
	}
	wantCumulative := map[float64]uint64{0.0001: 0, 0.00025: 1, 0.005: 2, 1: 2, 3: 3}
	bounds := make(map[float64]bool)
	for _, b := range h.Histogram.GetBucket() {
		bounds[b.GetUpperBound()] = true
		if want, ok := wantCumulative[b.GetUpperBound()]; ok && b.GetCumulativeCount() != want {
			t.Errorf("spuffbot_ack_seconds bucket le=%v = %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), want)
		}
	}
	for le := range wantCumulative {
		if !bounds[le] {
			t.Errorf("spuffbot_ack_seconds has no bucket le=%v", le)
		}
	}
}

func TestOrphansFound(t *testing.T) {
	m := metrics.New()
	m.OrphansFound("aws", 0)
	m.OrphansFound("hetzner", 2)
	m.OrphansFound("hetzner", 1)
	m.OrphansFound("hetzner", -4)
	f := scrape(t, m)
	for cloud, want := range map[string]float64{"aws": 0, "hetzner": 3} {
		labels := map[string]string{"cloud": cloud}
		if got := f.mustValue(t, "spuffbot_orphans_found_total", labels); got != want {
			t.Errorf("spuffbot_orphans_found_total%v = %v, want %v", labels, got, want)
		}
	}
}

func TestNilMetricsRecordsNothing(t *testing.T) {
	var m *metrics.Metrics
	m.CommandDone("up", metrics.OutcomeOK)
	m.ObserveAck(time.Millisecond)
	m.OrphansFound("aws", 1)
	m.SetSnapshotFunc(nil)
	p := demo.New(demo.Config{})
	if got := m.Instrument(p); got != p {
		t.Errorf("nil Metrics: Instrument(p) = %v, want p itself", got)
	}
}

func TestRuntimeCollectors(t *testing.T) {
	f := scrape(t, metrics.New())
	for _, name := range []string{"go_goroutines", "process_start_time_seconds"} {
		if _, ok := f[name]; !ok {
			t.Errorf("%s is absent", name)
		}
	}
}

func TestRegistryServesOtherCollectors(t *testing.T) {
	m := metrics.New()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "spuffbot_store_compactions_total", Help: "Compactions."})
	m.Registry().MustRegister(c)
	c.Add(2)
	f := scrape(t, m)
	if got := f.mustValue(t, "spuffbot_store_compactions_total", map[string]string{}); got != 2 {
		t.Errorf("spuffbot_store_compactions_total = %v, want 2", got)
	}
}
