package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Error kinds, the values of the kind label of spuffbot_provider_errors_total.
const (
	KindAuth        = "auth"         // providers.ErrAuth
	KindNotFound    = "not_found"    // providers.ErrNotFound
	KindRateLimited = "rate_limited" // providers.ErrRateLimited
	KindQuota       = "quota"        // providers.ErrQuota
	KindInvalid     = "invalid"      // providers.ErrInvalid
	KindCanceled    = "canceled"     // context.Canceled: the caller gave up
	KindTimeout     = "timeout"      // context.DeadlineExceeded
	KindOther       = "other"        // anything else
)

// kinds maps the provider sentinels to their label values, in the order
// they are tested.
var kinds = []struct {
	err  error
	kind string
}{
	{providers.ErrAuth, KindAuth},
	{providers.ErrNotFound, KindNotFound},
	{providers.ErrRateLimited, KindRateLimited},
	{providers.ErrQuota, KindQuota},
	{providers.ErrInvalid, KindInvalid},
	{context.Canceled, KindCanceled},
	{context.DeadlineExceeded, KindTimeout},
}

// ErrorKind returns the kind label value for err, one of the Kind
// constants. The provider sentinels win over a context error they wrap.
func ErrorKind(err error) string {
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	return KindOther
}

// Instrument returns p wrapped so that every call records its duration in
// spuffbot_provider_call_seconds and, when it fails, counts the error in
// spuffbot_provider_errors_total, labelled with the cloud (p.Name()), the
// operation (the method name, e.g. "CreateInstance") and, for errors, the
// kind (see ErrorKind). Results and errors pass through unchanged. A
// provider m already instruments is returned as it is; on a nil *Metrics or
// a nil p, Instrument returns p.
func (m *Metrics) Instrument(p providers.Provider) providers.Provider {
	if m == nil || p == nil {
		return p
	}
	if ip, ok := p.(*instrumented); ok && ip.m == m {
		return p
	}
	if ia, ok := p.(*instrumentedActivity); ok && ia.m == m {
		return p
	}
	return withCapabilities(&instrumented{p: p, m: m, cloud: p.Name()}) // idle.go
}

// instrumented is a providers.Provider that records metrics around another.
type instrumented struct {
	p     providers.Provider
	m     *Metrics
	cloud string
}

var _ providers.Provider = (*instrumented)(nil)

// done records one call of operation that started at start and ended with
// err.
func (ip *instrumented) done(operation string, start time.Time, err error) {
	ip.m.providerCalls.WithLabelValues(ip.cloud, operation).Observe(time.Since(start).Seconds())
	if err != nil {
		ip.m.providerErrors.WithLabelValues(ip.cloud, operation, ErrorKind(err)).Inc()
	}
}

func (ip *instrumented) Name() string { return ip.cloud }

func (ip *instrumented) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	start := time.Now()
	in, err := ip.p.CreateInstance(ctx, req)
	ip.done("CreateInstance", start, err)
	return in, err
}

func (ip *instrumented) DestroyInstance(ctx context.Context, id string) error {
	start := time.Now()
	err := ip.p.DestroyInstance(ctx, id)
	ip.done("DestroyInstance", start, err)
	return err
}

func (ip *instrumented) GetInstance(ctx context.Context, id string) (*providers.Instance, error) {
	start := time.Now()
	in, err := ip.p.GetInstance(ctx, id)
	ip.done("GetInstance", start, err)
	return in, err
}

func (ip *instrumented) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	start := time.Now()
	ins, err := ip.p.ListInstances(ctx)
	ip.done("ListInstances", start, err)
	return ins, err
}

func (ip *instrumented) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	start := time.Now()
	in, err := ip.p.WaitReady(ctx, id)
	ip.done("WaitReady", start, err)
	return in, err
}

func (ip *instrumented) CreateSnapshot(ctx context.Context, req providers.SnapshotRequest) (*providers.Snapshot, error) {
	start := time.Now()
	s, err := ip.p.CreateSnapshot(ctx, req)
	ip.done("CreateSnapshot", start, err)
	return s, err
}

func (ip *instrumented) ListSnapshots(ctx context.Context) ([]providers.Snapshot, error) {
	start := time.Now()
	ss, err := ip.p.ListSnapshots(ctx)
	ip.done("ListSnapshots", start, err)
	return ss, err
}

func (ip *instrumented) DeleteSnapshot(ctx context.Context, id string) error {
	start := time.Now()
	err := ip.p.DeleteSnapshot(ctx, id)
	ip.done("DeleteSnapshot", start, err)
	return err
}

func (ip *instrumented) Catalog(ctx context.Context) (*providers.Catalog, error) {
	start := time.Now()
	c, err := ip.p.Catalog(ctx)
	ip.done("Catalog", start, err)
	return c, err
}
