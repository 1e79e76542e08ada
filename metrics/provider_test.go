package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/metrics"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestInstrumentedConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Target {
		p := demo.New(demo.Config{ReadyAfter: 20 * time.Millisecond, PollInterval: 5 * time.Millisecond})
		return providertest.Target{
			Provider:      metrics.New().Instrument(p),
			AddUnmanaged:  func(t *testing.T) { p.AddUnmanaged("someone-elses-vm") },
			SetReadyAfter: p.SetReadyAfter,
		}
	})
}

func TestInstrumentRecordsCalls(t *testing.T) {
	ctx := context.Background()
	m := metrics.New()
	d := demo.New(demo.Config{})
	p := m.Instrument(d)
	if got := p.Name(); got != "demo" {
		t.Fatalf("Name() = %q, want %q", got, "demo")
	}
	in, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "dev-ada", Region: "demo-eu", Size: "small"})
	if err != nil {
		t.Fatalf("CreateInstance: %v", err)
	}
	if _, err := p.WaitReady(ctx, in.ID); err != nil {
		t.Fatalf("WaitReady: %v", err)
	}
	for range 3 {
		if _, err := p.ListInstances(ctx); err != nil {
			t.Fatalf("ListInstances: %v", err)
		}
	}
	if got, err := p.GetInstance(ctx, "demo-404"); got != nil || err != nil {
		t.Fatalf("GetInstance(unknown) = %v, %v, want nil, nil", got, err)
	}
	if err := p.DestroyInstance(ctx, in.ID); err != nil {
		t.Fatalf("DestroyInstance: %v", err)
	}

	f := scrape(t, m)
	want := map[string]float64{
		demo.OpCreateInstance:  1,
		demo.OpWaitReady:       1,
		demo.OpListInstances:   3,
		demo.OpGetInstance:     1,
		demo.OpDestroyInstance: 1,
	}
	if got := f.series("spuffbot_provider_call_seconds"); got != len(want) {
		t.Errorf("spuffbot_provider_call_seconds has %d series, want %d", got, len(want))
	}
	for op, n := range want {
		labels := map[string]string{"cloud": "demo", "operation": op}
		if got := f.mustValue(t, "spuffbot_provider_call_seconds", labels); got != n {
			t.Errorf("spuffbot_provider_call_seconds%v count = %v, want %v", labels, got, n)
		}
	}
	if got := f.series("spuffbot_provider_errors_total"); got != 0 {
		t.Errorf("spuffbot_provider_errors_total has %d series after calls that succeeded, want 0", got)
	}
	if got, want := d.Calls()[demo.OpListInstances], 3; got != want {
		t.Errorf("demo saw %d ListInstances calls, want %d", got, want)
	}
}

func TestInstrumentErrorKinds(t *testing.T) {
	perr := func(kind error) error {
		return &providers.Error{Provider: "demo", Op: "list instances", Kind: kind, Message: "injected"}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"auth", perr(providers.ErrAuth), metrics.KindAuth},
		{"not found", perr(providers.ErrNotFound), metrics.KindNotFound},
		{"rate limited", &providers.Error{Provider: "demo", Op: "list instances", Kind: providers.ErrRateLimited, RetryAfter: time.Second}, metrics.KindRateLimited},
		{"quota", perr(providers.ErrQuota), metrics.KindQuota},
		{"invalid", perr(providers.ErrInvalid), metrics.KindInvalid},
		{"wrapped", fmt.Errorf("list: %w", perr(providers.ErrQuota)), metrics.KindQuota},
		{"plain", errors.New("connection reset by peer"), metrics.KindOther},
		{"canceled", context.Canceled, metrics.KindCanceled},
		{"deadline", fmt.Errorf("list: %w", context.DeadlineExceeded), metrics.KindTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			d := demo.New(demo.Config{})
			p := m.Instrument(d)
			d.SetFailNext(demo.OpListInstances, tt.err)
			if _, err := p.ListInstances(context.Background()); err != tt.err {
				t.Fatalf("ListInstances() error = %v, want the injected %v unchanged", err, tt.err)
			}
			if _, err := p.ListInstances(context.Background()); err != nil {
				t.Fatalf("second ListInstances: %v", err)
			}
			f := scrape(t, m)
			labels := map[string]string{"cloud": "demo", "operation": demo.OpListInstances, "kind": tt.want}
			if got := f.mustValue(t, "spuffbot_provider_errors_total", labels); got != 1 {
				t.Errorf("spuffbot_provider_errors_total%v = %v, want 1", labels, got)
			}
			if got := f.series("spuffbot_provider_errors_total"); got != 1 {
				t.Errorf("spuffbot_provider_errors_total has %d series, want 1", got)
			}
			calls := map[string]string{"cloud": "demo", "operation": demo.OpListInstances}
			if got := f.mustValue(t, "spuffbot_provider_call_seconds", calls); got != 2 {
				t.Errorf("spuffbot_provider_call_seconds%v count = %v, want 2 (failed calls included)", calls, got)
			}
		})
	}
}

func TestInstrumentEveryOperation(t *testing.T) {
	ctx := context.Background()
	boom := &providers.Error{Provider: "demo", Kind: providers.ErrRateLimited}
	tests := []struct {
		op   string
		call func(p providers.Provider) error
	}{
		{demo.OpCreateInstance, func(p providers.Provider) error {
			_, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "x", Region: "demo-eu", Size: "small"})
			return err
		}},
		{demo.OpDestroyInstance, func(p providers.Provider) error { return p.DestroyInstance(ctx, "demo-1") }},
		{demo.OpGetInstance, func(p providers.Provider) error { _, err := p.GetInstance(ctx, "demo-1"); return err }},
		{demo.OpListInstances, func(p providers.Provider) error { _, err := p.ListInstances(ctx); return err }},
		{demo.OpWaitReady, func(p providers.Provider) error { _, err := p.WaitReady(ctx, "demo-1"); return err }},
		{demo.OpCreateSnapshot, func(p providers.Provider) error {
			_, err := p.CreateSnapshot(ctx, providers.SnapshotRequest{InstanceID: "demo-1", Name: "s"})
			return err
		}},
		{demo.OpListSnapshots, func(p providers.Provider) error { _, err := p.ListSnapshots(ctx); return err }},
		{demo.OpDeleteSnapshot, func(p providers.Provider) error { return p.DeleteSnapshot(ctx, "snap-1") }},
		{demo.OpCatalog, func(p providers.Provider) error { _, err := p.Catalog(ctx); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			m := metrics.New()
			d := demo.New(demo.Config{})
			d.SetFailNext(tt.op, boom)
			if err := tt.call(m.Instrument(d)); !errors.Is(err, providers.ErrRateLimited) {
				t.Fatalf("%s() error = %v, want %v", tt.op, err, boom)
			}
			f := scrape(t, m)
			labels := map[string]string{"cloud": "demo", "operation": tt.op, "kind": metrics.KindRateLimited}
			if got := f.mustValue(t, "spuffbot_provider_errors_total", labels); got != 1 {
				t.Errorf("spuffbot_provider_errors_total%v = %v, want 1", labels, got)
			}
		})
	}
}

func TestErrorKind(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&providers.Error{Kind: providers.ErrAuth}, metrics.KindAuth},
		{providers.ErrNotFound, metrics.KindNotFound},
		{&providers.Error{Kind: providers.ErrRateLimited, Err: context.DeadlineExceeded}, metrics.KindRateLimited},
		{fmt.Errorf("create: %w", &providers.Error{Kind: providers.ErrInvalid}), metrics.KindInvalid},
		{context.Canceled, metrics.KindCanceled},
		{context.DeadlineExceeded, metrics.KindTimeout},
		{errors.New("EOF"), metrics.KindOther},
	}
	for _, tt := range tests {
		if got := metrics.ErrorKind(tt.err); got != tt.want {
			t.Errorf("ErrorKind(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestInstrumentTwice(t *testing.T) {
	m := metrics.New()
	once := m.Instrument(demo.New(demo.Config{}))
	if twice := m.Instrument(once); twice != once {
		t.Errorf("Instrument(Instrument(p)) = %v, want the first wrapper", twice)
	}
	if _, err := once.Catalog(context.Background()); err != nil {
		t.Fatalf("Catalog: %v", err)
	}
	f := scrape(t, m)
	labels := map[string]string{"cloud": "demo", "operation": demo.OpCatalog}
	if got := f.mustValue(t, "spuffbot_provider_call_seconds", labels); got != 1 {
		t.Errorf("spuffbot_provider_call_seconds%v count = %v, want 1", labels, got)
	}
	if got := m.Instrument(nil); got != nil {
		t.Errorf("Instrument(nil) = %v, want nil", got)
	}
}
