package aws

import (
	"context"
	"fmt"
	"math"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"github.com/spuffbot/spuffbot/providers"
)

// metricsPeriod is basic monitoring's period: EC2 publishes one point per
// instance and metric every 5 minutes, so a window must span at least 10
// minutes to hold two.
const metricsPeriod = 5 * time.Minute

// maxQueries is the most queries GetMetricData takes in one call; each
// instance needs three (CPUUtilization, NetworkIn, NetworkOut).
const maxQueries = 500

// perCall is the most instances one GetMetricData call reads.
const perCall = maxQueries / 3

// metricsAPI is the part of the CloudWatch client the provider uses.
type metricsAPI interface {
	GetMetricData(ctx context.Context, in *cloudwatch.GetMetricDataInput, opts ...func(*cloudwatch.Options)) (*cloudwatch.GetMetricDataOutput, error)
}

// newMetricsAPI returns a CloudWatch client configured like the EC2 one.
func newMetricsAPI(awsCfg awssdk.Config, cfg Config) metricsAPI {
	return cloudwatch.NewFromConfig(awsCfg, func(o *cloudwatch.Options) {
		if cfg.MetricsURL != "" {
			o.BaseEndpoint = awssdk.String(cfg.MetricsURL)
		}
		if cfg.HTTPClient != nil {
			o.HTTPClient = cfg.HTTPClient
		}
		if cfg.RetryMaxAttempts > 0 {
			o.RetryMaxAttempts = cfg.RetryMaxAttempts
		}
		if cfg.RetryMaxBackoff > 0 {
			o.Retryer = retry.AddWithMaxBackoffDelay(o.Retryer, cfg.RetryMaxBackoff)
		}
	})
}

var _ providers.ActivityReader = (*Provider)(nil)

// ActivityRequests returns the GetMetricData calls for n instances, 166 a
// call. CloudWatch's limits are its own, not EC2's.
func (p *Provider) ActivityRequests(n int) int { return (n + perCall - 1) / perCall }

// ActivityStep returns basic monitoring's period: five minutes.
func (p *Provider) ActivityStep() time.Duration { return metricsPeriod }

// Activity reads CPUUtilization (Average), NetworkIn and NetworkOut (Sum
// per period) of the instances from CloudWatch's GetMetricData, in
// batches of up to 166 instances (498 queries) per call, following
// NextToken. CloudWatch bills $0.01 per 1,000 metrics requested: three
// per instance and check. An instance CloudWatch has no data of has no
// figures. NetworkIn/Out count every interface, the public one and
// traffic inside the VPC alike.
func (p *Provider) Activity(ctx context.Context, ids []string, start, end time.Time) (map[string]providers.Activity, error) {
	if p.metrics == nil {
		return nil, fmt.Errorf("aws: activity: no CloudWatch client")
	}
	out := make(map[string]providers.Activity, len(ids))
	for len(ids) > 0 {
		batch := ids[:min(len(ids), perCall)]
		ids = ids[len(batch):]
		if err := p.readBatch(ctx, batch, start, end, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// series is what one query returned.
type series struct {
	times  []time.Time
	values []float64
}

// readBatch reads the metrics of at most perCall instances.
func (p *Provider) readBatch(ctx context.Context, ids []string, start, end time.Time, out map[string]providers.Activity) error {
	queries := make([]cwtypes.MetricDataQuery, 0, 3*len(ids))
	kinds := []struct{ prefix, metric, stat string }{
		{"c", "CPUUtilization", "Average"}, {"i", "NetworkIn", "Sum"}, {"o", "NetworkOut", "Sum"},
	}
	for n, id := range ids {
		for _, k := range kinds {
			queries = append(queries, cwtypes.MetricDataQuery{
				Id: awssdk.String(fmt.Sprintf("%s%d", k.prefix, n)),
				MetricStat: &cwtypes.MetricStat{
					Metric: &cwtypes.Metric{Namespace: awssdk.String("AWS/EC2"), MetricName: awssdk.String(k.metric),
						Dimensions: []cwtypes.Dimension{{Name: awssdk.String("InstanceId"), Value: awssdk.String(id)}}},
					Period: awssdk.Int32(int32(metricsPeriod / time.Second)),
					Stat:   awssdk.String(k.stat),
				},
				ReturnData: awssdk.Bool(true),
			})
		}
	}
	got := make(map[string]*series, len(queries))
	in := &cloudwatch.GetMetricDataInput{MetricDataQueries: queries, StartTime: awssdk.Time(start), EndTime: awssdk.Time(end)}
	for {
		res, err := p.metrics.GetMetricData(ctx, in)
		if err != nil {
			return wrap("get metric data", err)
		}
		for _, r := range res.MetricDataResults {
			if r.Id == nil || len(r.Timestamps) != len(r.Values) {
				continue
			}
			s := got[*r.Id]
			if s == nil {
				s = &series{}
				got[*r.Id] = s
			}
			s.times = append(s.times, r.Timestamps...)
			s.values = append(s.values, r.Values...)
		}
		if res.NextToken == nil || *res.NextToken == "" {
			break
		}
		in.NextToken = res.NextToken
	}
	period := metricsPeriod.Seconds()
	for n, id := range ids {
		var a providers.Activity
		if cpu, ok := got[fmt.Sprintf("c%d", n)].mean(&a); ok {
			a.CPUPercent, a.HasCPU = min(cpu, 100), true
		}
		in, inOK := got[fmt.Sprintf("i%d", n)].mean(&a)
		outB, outOK := got[fmt.Sprintf("o%d", n)].mean(&a)
		if inOK && outOK {
			a.NetInBps, a.NetOutBps, a.HasNet = in/period, outB/period, true
		}
		if a.HasCPU || a.HasNet {
			out[id] = a
		}
	}
	return nil
}

// mean averages s, widening a's First and Last to its points.
func (s *series) mean(a *providers.Activity) (float64, bool) {
	if s == nil {
		return 0, false
	}
	var sum float64
	n := 0
	for i, v := range s.values {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			continue
		}
		t := s.times[i].UTC()
		if a.First.IsZero() || t.Before(a.First) {
			a.First = t
		}
		if t.After(a.Last) {
			a.Last = t
		}
		sum += v
		n++
	}
	if n == 0 {
		return 0, false
	}
	return sum / float64(n), true
}
