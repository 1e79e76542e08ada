package metrics

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// snapshotTimeout bounds one call of the snapshot function, well inside
// Prometheus' default scrape timeout of 10 s.
const snapshotTimeout = 3 * time.Second

// Snapshot is the state behind the gauges, read at scrape time.
type Snapshot struct {
	// Running is the number of running instances by cloud.
	Running map[string]int
	// SpendPerHour is what the running instances cost, in USD per hour, by
	// cloud.
	SpendPerHour map[string]float64
	// ApprovalsPending is the number of requests waiting for an approver.
	ApprovalsPending int
}

// SetSnapshotFunc sets the function whose result the gauges
// spuffbot_instances_running, spuffbot_spend_usd_per_hour and
// spuffbot_approvals_pending report. It is called once per scrape, with a
// context that ends after a few seconds; there is no background loop. When
// it fails the gauges are left out of that scrape and
// spuffbot_snapshot_errors_total goes up. Until it is set, the gauges are
// absent. Map keys must be cloud names.
func (m *Metrics) SetSnapshotFunc(f func(ctx context.Context) (Snapshot, error)) {
	if m == nil {
		return
	}
	m.snapshot.mu.Lock()
	defer m.snapshot.mu.Unlock()
	m.snapshot.f = f
}

// snapshotCollector is a prometheus.Collector that calls the snapshot
// function on every Collect.
type snapshotCollector struct {
	running   *prometheus.Desc
	spend     *prometheus.Desc
	approvals *prometheus.Desc
	errorsD   *prometheus.Desc

	errors atomic.Uint64 // failed calls of f

	mu sync.Mutex
	f  func(ctx context.Context) (Snapshot, error)
}

func newSnapshotCollector() *snapshotCollector {
	name := func(n string) string { return prometheus.BuildFQName(namespace, "", n) }
	return &snapshotCollector{
		running: prometheus.NewDesc(name("instances_running"),
			"Instances running, by cloud.", []string{"cloud"}, nil),
		spend: prometheus.NewDesc(name("spend_usd_per_hour"),
			"Hourly cost of the running instances in USD, by cloud.", []string{"cloud"}, nil),
		approvals: prometheus.NewDesc(name("approvals_pending"),
			"Requests waiting for an approver.", nil, nil),
		errorsD: prometheus.NewDesc(name("snapshot_errors_total"),
			"Scrapes whose instance and approval state could not be read.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.running
	ch <- c.spend
	ch <- c.approvals
	ch <- c.errorsD
}

// Collect implements prometheus.Collector.
func (c *snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	f := c.f
	c.mu.Unlock()
	if f != nil {
		ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
		s, err := f(ctx)
		cancel()
		if err != nil {
			c.errors.Add(1)
		} else {
			c.collectSnapshot(ch, s)
		}
	}
	ch <- prometheus.MustNewConstMetric(c.errorsD, prometheus.CounterValue, float64(c.errors.Load()))
}

func (c *snapshotCollector) collectSnapshot(ch chan<- prometheus.Metric, s Snapshot) {
	for cloud, n := range s.Running {
		ch <- prometheus.MustNewConstMetric(c.running, prometheus.GaugeValue, float64(n), cloud)
	}
	for cloud, usd := range s.SpendPerHour {
		ch <- prometheus.MustNewConstMetric(c.spend, prometheus.GaugeValue, usd, cloud)
	}
	ch <- prometheus.MustNewConstMetric(c.approvals, prometheus.GaugeValue, float64(s.ApprovalsPending))
}
