package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spuffbot/spuffbot/providers"
)

// idleCounters are the collectors of the idle checks.
type idleCounters struct {
	warnings  prometheus.Counter
	destroyed *prometheus.CounterVec
	saved     prometheus.Counter
}

func newIdleCounters(reg *prometheus.Registry) idleCounters {
	c := idleCounters{
		warnings: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "idle_warnings_total",
			Help:      "Idle warnings sent to owners: their VM looked forgotten by its cloud's metrics.",
		}),
		destroyed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "idle_destroyed_total",
			Help:      "VMs destroyed because they stayed idle and nobody kept them, by cloud.",
		}, []string{"cloud"}),
		saved: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "saved_usd_total",
			Help:      "USD saved by idle destroys: each VM's hourly price times the lease time it had left.",
		}),
	}
	reg.MustRegister(c.warnings, c.destroyed, c.saved)
	return c
}

// IdleWarned counts one idle warning in spuffbot_idle_warnings_total.
func (m *Metrics) IdleWarned() { m.idle.warnings.Inc() }

// IdleDestroyed counts one VM of cloud destroyed for being idle in
// spuffbot_idle_destroyed_total, and adds what that saved to
// spuffbot_saved_usd_total. A negative saving counts as none.
func (m *Metrics) IdleDestroyed(cloud string, savedUSD float64) {
	m.idle.destroyed.WithLabelValues(cloud).Inc()
	if savedUSD > 0 {
		m.idle.saved.Add(savedUSD)
	}
}

// instrumentedActivity is an instrumented provider that keeps the
// optional providers.ActivityReader of the provider it wraps.
type instrumentedActivity struct {
	*instrumented
	ar providers.ActivityReader
}

var _ providers.ActivityReader = (*instrumentedActivity)(nil)

// withCapabilities returns ip, or ip with the optional capabilities of
// the provider it wraps.
func withCapabilities(ip *instrumented) providers.Provider {
	if ar, ok := ip.p.(providers.ActivityReader); ok {
		return &instrumentedActivity{instrumented: ip, ar: ar}
	}
	return ip
}

func (ia *instrumentedActivity) Activity(ctx context.Context, ids []string, start, end time.Time) (map[string]providers.Activity, error) {
	t := time.Now()
	out, err := ia.ar.Activity(ctx, ids, start, end)
	ia.done("Activity", t, err)
	return out, err
}

func (ia *instrumentedActivity) ActivityStep() time.Duration { return ia.ar.ActivityStep() }

func (ia *instrumentedActivity) ActivityRequests(n int) int { return ia.ar.ActivityRequests(n) }

// Unwrap returns the provider ip instruments, for the wiring code that
// needs its concrete type.
func (ip *instrumented) Unwrap() providers.Provider { return ip.p }
