package metrics_test

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/metrics"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

// TestInstrumentKeepsActivity runs the suite's activity check through an
// instrumented provider: wrapping must not hide the capability.
func TestInstrumentKeepsActivity(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Target {
		p := demo.New(demo.Config{ReadyAfter: 20 * time.Millisecond, PollInterval: 5 * time.Millisecond})
		return providertest.Target{
			Provider: metrics.New().Instrument(p),
			SetActivity: func(id string, busy bool) {
				l := demo.IdleLoad
				if busy {
					l = demo.BusyLoad
				}
				p.SetLoadSince(id, l, time.Time{})
			},
		}
	})
	m := metrics.New()
	if _, ok := m.Instrument(demo.New(demo.Config{})).(providers.ActivityReader); !ok {
		t.Fatal("Instrument(demo) hides providers.ActivityReader")
	}
}

func TestIdleCounters(t *testing.T) {
	m := metrics.New()
	m.IdleWarned()
	m.IdleWarned()
	m.IdleDestroyed("hetzner", 0.25)
	m.IdleDestroyed("hetzner", 0.5)
	m.IdleDestroyed("aws", -1)
	f := scrape(t, m)
	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"spuffbot_idle_warnings_total", map[string]string{}, 2},
		{"spuffbot_idle_destroyed_total", map[string]string{"cloud": "hetzner"}, 2},
		{"spuffbot_idle_destroyed_total", map[string]string{"cloud": "aws"}, 1},
		{"spuffbot_saved_usd_total", map[string]string{}, 0.75},
	}
	for _, tt := range tests {
		if got := f.mustValue(t, tt.name, tt.labels); got != tt.want {
			t.Errorf("%s%v = %v, want %v", tt.name, tt.labels, got, tt.want)
		}
	}
}
