package providers

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Activity is how busy an instance was over a window, as its cloud
// measured it from outside (no agent in the VM).
type Activity struct {
	// CPUPercent is the mean CPU use over the window, as percent of the
	// whole machine: 100 means every vCPU was busy.
	CPUPercent float64
	// NetInBps and NetOutBps are the mean public network traffic over the
	// window, in bytes per second.
	NetInBps, NetOutBps float64
	// HasCPU and HasNet report whether the cloud had data of each kind.
	// A figure without its flag means nothing.
	HasCPU, HasNet bool
	// First and Last are the times of the first and last data point the
	// figures come from; zero when there were none.
	First, Last time.Time
}

// NetBps returns the mean traffic in and out, in bytes per second.
func (a Activity) NetBps() float64 { return a.NetInBps + a.NetOutBps }

// Covers reports whether a has both figures and its data points span
// [start, end] to within slack at each end: only such figures can say
// that an instance was idle. Missing, partial or late data does not
// cover its window.
func (a Activity) Covers(start, end time.Time, slack time.Duration) bool {
	if !a.HasCPU || !a.HasNet || a.First.IsZero() || a.Last.IsZero() {
		return false
	}
	return !a.First.After(start.Add(slack)) && !a.Last.Before(end.Add(-slack))
}

// ActivityReader is an optional capability of a Provider: the cloud's own
// CPU and network metrics of its instances. Find it with a type assertion;
// a provider without metrics does not implement it.
type ActivityReader interface {
	// Activity returns the activity of the instances with the given cloud
	// ids over [start, end], in as few calls to the cloud as it allows.
	// An instance the cloud has no data for is missing from the map, or
	// has HasCPU or HasNet false. An error means nothing is known of any
	// of them.
	Activity(ctx context.Context, ids []string, start, end time.Time) (map[string]Activity, error)
	// ActivityStep is the spacing of the cloud's data points: a window
	// shorter than two steps has too few of them to judge.
	ActivityStep() time.Duration
	// ActivityRequests is how many requests Activity makes to the cloud's
	// API for n instances: the idle checks keep them within a share of
	// the cloud's hourly limit (Cloud.RequestsPerHour).
	ActivityRequests(n int) int
}

// ActivityEach reads the activity of each of ids with read, at most
// parallel at a time, for a cloud that has one metrics call per instance.
// An instance read reports gone (ErrNotFound) is left out; any other
// error is returned, and then nothing is known of any of them.
func ActivityEach(ids []string, parallel int, read func(id string) (Activity, error)) (map[string]Activity, error) {
	var (
		mu    sync.Mutex
		out   = make(map[string]Activity, len(ids))
		first error
		wg    sync.WaitGroup
		sem   = make(chan struct{}, max(parallel, 1))
	)
	for _, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a, err := read(id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrNotFound):
			case err != nil:
				if first == nil {
					first = err
				}
			default:
				out[id] = a
			}
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}
