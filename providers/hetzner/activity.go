package hetzner

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
)

// metricsStep is the spacing of the data points asked for.
const metricsStep = time.Minute

// metricsParallel bounds the metrics calls in flight at once.
const metricsParallel = 4

// metricsAPI is the part of hcloud-go that reads a server's metrics.
type metricsAPI interface {
	ServerMetrics(ctx context.Context, id int64, opts hcloud.ServerGetMetricsOpts) (*hcloud.ServerMetrics, error)
}

func (a sdkAPI) ServerMetrics(ctx context.Context, id int64, opts hcloud.ServerGetMetricsOpts) (*hcloud.ServerMetrics, error) {
	m, resp, err := a.c.Server.GetMetrics(ctx, &hcloud.Server{ID: id}, opts)
	return m, typed("get server metrics", resp, err)
}

var _ providers.ActivityReader = (*Provider)(nil)

// ActivityStep returns the spacing of the data points Activity asks for:
// one minute.
func (p *Provider) ActivityStep() time.Duration { return metricsStep }

// ActivityRequests returns n metrics calls and the pages of the server
// list (50 servers a page) that gives the servers' vCPU counts.
func (p *Provider) ActivityRequests(n int) int { return n + 1 + n/50 }

// Activity reads each server's cpu and network metrics over [start, end]
// (GET /v1/servers/{id}/metrics, one call per server, plus one list call
// for the vCPU counts): Hetzner's cpu is percent per vCPU summed, so it is
// divided by the server type's cores; traffic is the public interface's
// (network.0). A server that is gone is left out.
func (p *Provider) Activity(ctx context.Context, ids []string, start, end time.Time) (map[string]providers.Activity, error) {
	mapi, ok := p.api.(metricsAPI)
	if !ok {
		return nil, fmt.Errorf("hetzner: activity: the API client cannot read metrics")
	}
	cores := make(map[string]int, len(ids))
	err := p.api.ListServers(ctx, providers.LabelManagedBy+"="+providers.ManagedByValue, func(s *hcloud.Server) {
		if s.ServerType != nil {
			cores[strconv.FormatInt(s.ID, 10)] = s.ServerType.Cores
		}
	})
	if err != nil {
		return nil, err
	}
	var known []string
	for _, id := range ids {
		if cores[id] > 0 {
			known = append(known, id) // the others are not spuff's servers (any more)
		}
	}
	return providers.ActivityEach(known, metricsParallel, func(id string) (providers.Activity, error) {
		n, _ := strconv.ParseInt(id, 10, 64) // a key of cores: a listed server's id
		m, err := mapi.ServerMetrics(ctx, n, hcloud.ServerGetMetricsOpts{
			Types: []hcloud.ServerMetricType{hcloud.ServerMetricCPU, hcloud.ServerMetricNetwork},
			Start: start, End: end, Step: int(metricsStep / time.Second),
		})
		if err != nil {
			return providers.Activity{}, err
		}
		return activityOf(m, cores[id]), nil
	})
}

// activityOf averages a server's series.
func activityOf(m *hcloud.ServerMetrics, cores int) providers.Activity {
	var a providers.Activity
	if m == nil {
		return a
	}
	cpu, cpuOK := mean(m.TimeSeries["cpu"], &a)
	in, inOK := mean(m.TimeSeries["network.0.bandwidth.in"], &a)
	out, outOK := mean(m.TimeSeries["network.0.bandwidth.out"], &a)
	if cpuOK && cores > 0 {
		a.CPUPercent, a.HasCPU = min(cpu/float64(cores), 100), true
	}
	if inOK && outOK {
		a.NetInBps, a.NetOutBps, a.HasNet = in, out, true
	}
	return a
}

// mean averages a series' values, widening a's First and Last to its
// points; ok is false when it has no usable value.
func mean(vals []hcloud.ServerMetricsValue, a *providers.Activity) (avg float64, ok bool) {
	n := 0
	for _, v := range vals {
		f, err := strconv.ParseFloat(v.Value, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || f < 0 {
			continue
		}
		sec, frac := math.Modf(v.Timestamp)
		t := time.Unix(int64(sec), int64(frac*1e9)).UTC()
		if a.First.IsZero() || t.Before(a.First) {
			a.First = t
		}
		if t.After(a.Last) {
			a.Last = t
		}
		avg += f
		n++
	}
	if n == 0 {
		return 0, false
	}
	return avg / float64(n), true
}
