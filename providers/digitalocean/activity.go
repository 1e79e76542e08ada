package digitalocean

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/digitalocean/godo"
	"github.com/digitalocean/godo/metrics"

	"github.com/spuffbot/spuffbot/providers"
)

// metricsStep is the spacing of the data points DigitalOcean's monitoring
// returns for windows of an hour or so, at its coarsest.
const metricsStep = 5 * time.Minute

// metricsParallel bounds the droplets read at once.
const metricsParallel = 4

// bytesPerMbit converts DigitalOcean's bandwidth (megabits per second)
// to bytes per second.
const bytesPerMbit = 1e6 / 8

// metricsAPI is the part of godo that reads a droplet's metrics.
type metricsAPI interface {
	dropletCPU(ctx context.Context, id string, start, end time.Time) (*godo.MetricsResponse, error)
	dropletBandwidth(ctx context.Context, id, direction string, start, end time.Time) (*godo.MetricsResponse, error)
}

func (a *godoAPI) dropletCPU(ctx context.Context, id string, start, end time.Time) (*godo.MetricsResponse, error) {
	m, resp, err := a.c.Monitoring.GetDropletCPU(ctx, &godo.DropletMetricsRequest{HostID: id, Start: start, End: end})
	return m, apiError(ctx, "get droplet cpu", resp, err)
}

func (a *godoAPI) dropletBandwidth(ctx context.Context, id, direction string, start, end time.Time) (*godo.MetricsResponse, error) {
	m, resp, err := a.c.Monitoring.GetDropletBandwidth(ctx, &godo.DropletBandwidthMetricsRequest{
		DropletMetricsRequest: godo.DropletMetricsRequest{HostID: id, Start: start, End: end},
		Interface:             "public", Direction: direction,
	})
	return m, apiError(ctx, "get droplet bandwidth", resp, err)
}

var _ providers.ActivityReader = (*Provider)(nil)

// ActivityStep returns the coarsest spacing of DigitalOcean's data
// points: five minutes.
func (p *Provider) ActivityStep() time.Duration { return metricsStep }

// Activity reads each droplet's CPU and public bandwidth over [start,
// end] from the Monitoring API, three calls per droplet (cpu, inbound,
// outbound). The CPU series are cumulative seconds per mode for all
// vCPUs together: the share of non-idle seconds between the first and
// last point is the CPU use of the whole machine. A droplet that is gone
// is left out.
func (p *Provider) Activity(ctx context.Context, ids []string, start, end time.Time) (map[string]providers.Activity, error) {
	mapi, ok := p.api.(metricsAPI)
	if !ok {
		return nil, fmt.Errorf("digitalocean: activity: the API client cannot read metrics")
	}
	var valid []string
	for _, id := range ids {
		if _, err := strconv.Atoi(id); err == nil {
			valid = append(valid, id)
		}
	}
	return providers.ActivityEach(valid, metricsParallel, func(id string) (providers.Activity, error) {
		return p.dropletActivity(ctx, mapi, id, start, end)
	})
}

// ActivityRequests returns 3n: three Monitoring calls per droplet, which
// count against the token's hourly limit like every other call.
func (p *Provider) ActivityRequests(n int) int { return 3 * n }

// dropletActivity reads one droplet.
func (p *Provider) dropletActivity(ctx context.Context, mapi metricsAPI, id string, start, end time.Time) (providers.Activity, error) {
	var a providers.Activity
	var cpu, in, out *godo.MetricsResponse
	err := p.call(ctx, retryIdempotent, func() (err error) { cpu, err = mapi.dropletCPU(ctx, id, start, end); return err })
	if err == nil {
		err = p.call(ctx, retryIdempotent, func() (err error) { in, err = mapi.dropletBandwidth(ctx, id, "inbound", start, end); return err })
	}
	if err == nil {
		err = p.call(ctx, retryIdempotent, func() (err error) { out, err = mapi.dropletBandwidth(ctx, id, "outbound", start, end); return err })
	}
	if err != nil {
		return a, err
	}
	if pct, ok := cpuPercent(cpu, &a); ok {
		a.CPUPercent, a.HasCPU = pct, true
	}
	inBps, inOK := meanRate(in, &a)
	outBps, outOK := meanRate(out, &a)
	if inOK && outOK {
		a.NetInBps, a.NetOutBps, a.HasNet = inBps*bytesPerMbit, outBps*bytesPerMbit, true
	}
	return a, nil
}

// cpuPercent is the share of non-idle seconds over the series: the rate
// of each mode's cumulative counter between its first and last point.
func cpuPercent(m *godo.MetricsResponse, a *providers.Activity) (float64, bool) {
	if m == nil {
		return 0, false
	}
	var total, idle float64
	for _, s := range m.Data.Result {
		if len(s.Values) < 2 {
			continue
		}
		first, last := s.Values[0], s.Values[len(s.Values)-1]
		d := float64(last.Value - first.Value)
		if d < 0 || math.IsNaN(d) || math.IsInf(d, 0) {
			continue // a counter reset (reboot): this mode says nothing
		}
		widen(a, first.Timestamp)
		widen(a, last.Timestamp)
		total += d
		if s.Metric["mode"] == "idle" {
			idle += d
		}
	}
	if total <= 0 {
		return 0, false
	}
	return min(100*(total-idle)/total, 100), true
}

// meanRate averages the values of a bandwidth series.
func meanRate(m *godo.MetricsResponse, a *providers.Activity) (float64, bool) {
	if m == nil {
		return 0, false
	}
	var sum float64
	n := 0
	for _, s := range m.Data.Result {
		for _, v := range s.Values {
			f := float64(v.Value)
			if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
				continue
			}
			widen(a, v.Timestamp)
			sum += f
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}

// widen stretches a's First and Last to t.
func widen(a *providers.Activity, t metrics.Time) {
	tt := t.Time().UTC()
	if a.First.IsZero() || tt.Before(a.First) {
		a.First = tt
	}
	if tt.After(a.Last) {
		a.Last = tt
	}
}
