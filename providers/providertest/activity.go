package providertest

import (
	"sync"
	"time"
)

// Load is the activity an emulator reports for one instance at every
// data point of its metrics.
type Load struct {
	// CPUPercent is the CPU use as percent of the whole machine; each
	// emulator writes it in its cloud's own form (per vCPU summed,
	// cumulative seconds per mode, ...).
	CPUPercent float64
	// NetInBps and NetOutBps are the public traffic, bytes per second.
	NetInBps, NetOutBps float64
}

// Loads a test sets with SetLoad.
var (
	// BusyLoad is an instance someone works on.
	BusyLoad = Load{CPUPercent: 35, NetInBps: 150_000, NetOutBps: 90_000}
	// IdleLoad is a forgotten instance.
	IdleLoad = Load{CPUPercent: 0.3, NetInBps: 250, NetOutBps: 150}
)

// Loads is the activity an emulator reports, per instance id. An
// instance without a load has no data points: its metrics come back
// empty, as a cloud's do before its monitoring has any.
type Loads struct {
	mu    sync.Mutex
	loads map[string]Load
}

// SetLoad makes the instance with cloud id report l at every data point.
func (a *Loads) SetLoad(id string, l Load) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.loads == nil {
		a.loads = make(map[string]Load)
	}
	a.loads[id] = l
}

// ClearLoad takes the instance's data points away.
func (a *Loads) ClearLoad(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.loads, id)
}

// load returns the load of instance id and whether it has data.
func (a *Loads) load(id string) (Load, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.loads[id]
	return l, ok
}

// points returns the times of the data points in [start, end] one step
// apart, aligned to whole steps, none before since.
func points(start, end, since time.Time, step time.Duration) []time.Time {
	if step <= 0 {
		return nil
	}
	if since.After(start) {
		start = since
	}
	t := start.Truncate(step)
	if t.Before(start) {
		t = t.Add(step)
	}
	var out []time.Time
	for ; !t.After(end) && len(out) < 11_000; t = t.Add(step) {
		out = append(out, t)
	}
	return out
}
