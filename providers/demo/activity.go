package demo

import (
	"context"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// OpActivity is the Op name of Activity, for SetFailNext and Calls.
const OpActivity = "Activity"

// activityStep is the spacing of the demo cloud's data points.
const activityStep = time.Minute

// Default loads: what a person working on a VM makes, and what a
// forgotten one does.
var (
	// BusyLoad is the load of an instance in use.
	BusyLoad = Load{CPUPercent: 35, NetInBps: 150_000, NetOutBps: 90_000}
	// IdleLoad is the load of a forgotten instance.
	IdleLoad = Load{CPUPercent: 0.3, NetInBps: 250, NetOutBps: 150}
)

// Load is the activity the demo cloud reports for an instance at each of
// its data points.
type Load struct {
	CPUPercent          float64
	NetInBps, NetOutBps float64
	// NoData makes the points missing: the cloud has no metrics.
	NoData bool
}

// loadChange is a load that holds from at on.
type loadChange struct {
	at   time.Time
	load Load
}

// loadAt returns the load of in at t; the caller holds p.mu.
func (in *instance) loadAt(t time.Time) Load {
	l := IdleLoad
	if t.Before(in.Created.Add(in.busyFor)) {
		l = BusyLoad
	}
	for _, c := range in.loads {
		if !t.Before(c.at) {
			l = c.load
		}
	}
	return l
}

// SetLoad makes instance id report l from now on. It reports whether the
// instance exists.
func (p *Provider) SetLoad(id string, l Load) bool {
	return p.SetLoadSince(id, l, p.now())
}

// SetLoadSince makes instance id report l at every data point from since
// on, the zero time meaning all of them; a later call wins over an
// earlier one. It reports whether the instance exists.
func (p *Provider) SetLoadSince(id string, l Load, since time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.instances[id]
	if !ok {
		return false
	}
	in.loads = append(in.loads, loadChange{at: since, load: l})
	p.changed()
	return true
}

// ActivityRequests returns 1 for any instances: one call reads them all.
func (p *Provider) ActivityRequests(n int) int { return min(n, 1) }

// ActivityStep returns the spacing of the demo cloud's data points: one
// minute.
func (p *Provider) ActivityStep() time.Duration { return activityStep }

// Activity returns the mean load of each instance over the data points in
// [start, end], one a minute from the instance's creation on and none in
// the future. An instance is busy (BusyLoad) for Config.BusyFor after it
// is created and idle (IdleLoad) afterwards, unless SetLoad said
// otherwise.
func (p *Provider) Activity(ctx context.Context, ids []string, start, end time.Time) (map[string]providers.Activity, error) {
	if err := p.begin(ctx, OpActivity); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if now := p.now(); end.After(now) {
		end = now
	}
	out := make(map[string]providers.Activity, len(ids))
	for _, id := range ids {
		in, ok := p.instances[id]
		if !ok {
			continue
		}
		var a providers.Activity
		n := 0
		for t := firstPoint(in.Created, start); !t.After(end); t = t.Add(activityStep) {
			l := in.loadAt(t)
			if l.NoData {
				continue
			}
			if n == 0 {
				a.First = t
			}
			a.Last = t
			a.CPUPercent += l.CPUPercent
			a.NetInBps += l.NetInBps
			a.NetOutBps += l.NetOutBps
			n++
		}
		if n == 0 {
			continue
		}
		a.CPUPercent /= float64(n)
		a.NetInBps /= float64(n)
		a.NetOutBps /= float64(n)
		a.HasCPU, a.HasNet = true, true
		out[id] = a
	}
	return out, nil
}

// firstPoint returns the first data point of an instance created at
// created that is not before start: points are one activityStep apart
// from created on.
func firstPoint(created, start time.Time) time.Time {
	if !start.After(created) {
		return created
	}
	n := (start.Sub(created) + activityStep - 1) / activityStep
	return created.Add(n * activityStep)
}

var _ providers.ActivityReader = (*Provider)(nil)
