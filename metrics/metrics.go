// Package metrics is spuffbot's observability: Prometheus metrics on a
// registry of its own (commands by verb and outcome, ack latency, provider
// call latency and errors, running instances, spend per hour, pending
// approvals, orphans found by the reconciler), a wrapper that instruments any
// providers.Provider, and an HTTP handler serving /metrics, /healthz and
// /readyz.
//
// Labels never carry user ids, instance names or other values without a
// bound: verbs and outcomes are limited to a small set, clouds are provider
// names, operations are method names and error kinds a fixed list.
//
// The recording methods (CommandDone, ObserveAck, OrphansFound, Instrument,
// SetSnapshotFunc) do nothing on a nil *Metrics, so a front end can run
// without metrics.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// namespace prefixes every spuffbot metric.
const namespace = "spuffbot"

// Outcomes of a command, the values of the outcome label of
// spuffbot_commands_total.
const (
	OutcomeOK        = "ok"        // the command did what was asked
	OutcomeRefused   = "refused"   // policy, approval or usage said no
	OutcomeError     = "error"     // something broke
	OutcomeDuplicate = "duplicate" // a redelivered request, recognised and dropped
)

// otherLabel stands for a label value outside the allowed set.
const otherLabel = "other"

// maxVerbs bounds how many distinct verb label values spuffbot_commands_total
// takes; verbs seen after that are recorded as "other". The grammar has
// fewer, so the bound only matters when a caller passes unparsed text.
const maxVerbs = 32

// maxVerbLen is the longest verb kept as a label value.
const maxVerbLen = 16

// Metrics holds spuffbot's collectors and the registry they are registered
// with. It is safe for concurrent use; build one with New.
type Metrics struct {
	reg *prometheus.Registry

	commands       *prometheus.CounterVec
	ack            prometheus.Histogram
	providerCalls  *prometheus.HistogramVec
	providerErrors *prometheus.CounterVec
	orphans        *prometheus.CounterVec
	snapshot       *snapshotCollector
	idle           idleCounters // idle.go

	mu    sync.Mutex
	verbs map[string]bool // verb label values handed out so far
}

// ackBuckets spread from 0.1 ms to 3 s, the time Slack allows for an ack.
var ackBuckets = []float64{
	0.0001, 0.00025, 0.0005,
	0.001, 0.0025, 0.005,
	0.01, 0.025, 0.05,
	0.1, 0.25, 0.5,
	1, 2, 3,
}

// providerBuckets spread from 10 ms (a cached read) to 10 minutes (a
// snapshot of a large disk, or a slow boot seen by WaitReady).
var providerBuckets = []float64{
	0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
	1, 2.5, 5, 10, 30, 60, 120, 300, 600,
}

// New returns Metrics with every spuffbot collector, the Go runtime collector
// and the process collector registered on a new registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "commands_total",
			Help:      "Commands handled, by verb and outcome (ok, refused, error, duplicate).",
		}, []string{"verb", "outcome"}),
		ack: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "ack_seconds",
			Help:      "Time from receiving a Slack request to acknowledging it.",
			Buckets:   ackBuckets,
		}),
		providerCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: namespace,
			Name:      "provider_call_seconds",
			Help:      "Duration of provider calls, failed ones included, by cloud and operation.",
			Buckets:   providerBuckets,
		}, []string{"cloud", "operation"}),
		providerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "provider_errors_total",
			Help:      "Provider calls that returned an error, by cloud, operation and kind.",
		}, []string{"cloud", "operation", "kind"}),
		orphans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: namespace,
			Name:      "orphans_found_total",
			Help:      "Instances the reconciler found at a cloud without a matching record, by cloud.",
		}, []string{"cloud"}),
		snapshot: newSnapshotCollector(),
		verbs:    make(map[string]bool),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.commands,
		m.ack,
		m.providerCalls,
		m.providerErrors,
		m.orphans,
		m.snapshot,
	)
	m.idle = newIdleCounters(m.reg)
	return m
}

// Registry returns the registry every collector of m is registered with, for
// adding collectors of other packages.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// CommandDone counts one command with its verb (a grammar verb such as "up")
// and outcome (one of the Outcome constants). An outcome outside those, or a
// verb that is not a short lowercase word, is recorded as "other".
func (m *Metrics) CommandDone(verb, outcome string) {
	if m == nil {
		return
	}
	m.commands.WithLabelValues(m.verbLabel(verb), outcomeLabel(outcome)).Inc()
}

// ObserveAck records how long acknowledging one request took.
func (m *Metrics) ObserveAck(d time.Duration) {
	if m == nil {
		return
	}
	m.ack.Observe(d.Seconds())
}

// OrphansFound adds n to the orphans the reconciler found at cloud. A zero n
// still creates the series, so that it reads 0 rather than being absent;
// a negative n is ignored.
func (m *Metrics) OrphansFound(cloud string, n int) {
	if m == nil || n < 0 {
		return
	}
	m.orphans.WithLabelValues(cloud).Add(float64(n))
}

// verbLabel returns verb if it may be a label value, else "other".
func (m *Metrics) verbLabel(verb string) string {
	if !isWord(verb) {
		return otherLabel
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.verbs[verb] {
		return verb
	}
	if len(m.verbs) >= maxVerbs {
		return otherLabel
	}
	m.verbs[verb] = true
	return verb
}

// isWord reports whether s is 1 to maxVerbLen lowercase ASCII letters.
func isWord(s string) bool {
	if s == "" || len(s) > maxVerbLen {
		return false
	}
	for _, c := range []byte(s) {
		if c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// outcomeLabel returns outcome if it is one of the Outcome constants, else
// "other".
func outcomeLabel(outcome string) string {
	switch outcome {
	case OutcomeOK, OutcomeRefused, OutcomeError, OutcomeDuplicate:
		return outcome
	}
	return otherLabel
}
