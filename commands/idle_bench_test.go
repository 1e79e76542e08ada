package commands

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// BenchmarkIdleCheck runs idle passes over 50 busy VMs per cloud, with
// each cloud's real client against its emulator, and reports the cloud
// API calls per VM checked, the VMs checked per pass (fewer than 50 when
// the cloud's request budget does not cover them all, see rationIdle) and
// the requests an hour of passes every 5 minutes makes.
func BenchmarkIdleCheck(b *testing.B) {
	const vms = 50
	clouds := emulatedClouds(b)
	d := demo.New(demo.Config{})
	clouds = append(clouds, cloudUnderTest{name: "demo", size: "small", region: "demo-eu", p: d,
		setLoad: func(id string, l providertest.Load) {
			d.SetLoadSince(id, demo.Load{CPUPercent: l.CPUPercent, NetInBps: l.NetInBps, NetOutBps: l.NetOutBps}, time.Time{})
		},
		calls: func() int { return d.Calls()[demo.OpActivity] }})
	for _, cloud := range clouds {
		b.Run(cloud.name, func(b *testing.B) {
			db, err := bolt.Open(filepath.Join(b.TempDir(), "s.db"), bolt.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { db.Close() })
			now := time.Now()
			svc := New(Config{Idle: testIdlePolicy, Logger: slog.New(slog.DiscardHandler)}, db,
				map[string]providers.Provider{cloud.name: cloud.p}, nil)
			ctx := b.Context()
			for i := range vms {
				name := fmt.Sprintf("bench-%d", i)
				in, err := cloud.p.CreateInstance(ctx, providers.InstanceRequest{Name: name, Size: cloud.size, Region: cloud.region,
					Labels: map[string]string{providers.LabelOwner: alice, providers.LabelOp: "op-" + name}})
				if err != nil {
					b.Fatalf("CreateInstance at %s: %v", cloud.name, err)
				}
				if err := db.CreateInstance(ctx, store.Instance{Name: name, Provider: cloud.name, CloudID: in.ID, Owner: alice,
					Channel: general, Size: cloud.size, Region: cloud.region, PriceHourly: 0.01, Created: now.Add(-2 * time.Hour),
					LeaseExpiry: now.Add(8 * time.Hour), Status: store.InstanceReady}); err != nil {
					b.Fatal(err)
				}
				cloud.setLoad(in.ID, providertest.BusyLoad)
			}
			before := cloud.calls()
			b.ResetTimer()
			checked := 0
			for b.Loop() {
				rep, err := svc.CheckIdle(ctx)
				if err != nil || len(rep.Checked)+len(rep.Deferred) != vms || len(rep.Checked) == 0 {
					b.Fatalf("CheckIdle() = %d checked, %d deferred, %v; want %d in all", len(rep.Checked), len(rep.Deferred), err, vms)
				}
				checked += len(rep.Checked)
			}
			calls := float64(cloud.calls() - before)
			b.ReportMetric(calls/float64(checked), "calls/VM")
			b.ReportMetric(float64(checked)/float64(b.N), "VMs/pass")
			b.ReportMetric(calls/float64(b.N)*12, "requests/h")
		})
	}
}

// TestIdleToWarningFigure measures, on the demo cloud with the default
// policy (after 60m, checks every 5m), the time from the moment a busy VM
// goes idle to its warning, for each minute the change can fall on
// between two checks. The figure is in the README.
func TestIdleToWarningFigure(t *testing.T) {
	t.Parallel()
	var lo, hi time.Duration
	for offset := range 5 {
		e := newIdleEnv(t)
		in := e.up(caller(alice), fmt.Sprintf("box%d", offset))
		e.setLoad(in, demo.BusyLoad, true)
		idleAt := in.Created.Add(2*time.Hour + time.Duration(offset)*time.Minute)
		if !e.cloud.SetLoadSince(in.CloudID, demo.IdleLoad, idleAt) {
			t.Fatal("no instance")
		}
		var warned time.Time
		for e.clock.Now().Before(idleAt.Add(3 * time.Hour)) {
			e.clock.Advance(testIdlePolicy.CheckEvery)
			if rep := e.checkIdle(); len(rep.Warned) > 0 {
				warned = e.clock.Now()
				break
			}
		}
		if warned.IsZero() {
			t.Fatalf("offset %dm: never warned", offset)
		}
		d := warned.Sub(idleAt)
		if lo == 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	t.Logf("idle to warning: %v to %v (after %v, checks every %v)", lo, hi, testIdlePolicy.After, testIdlePolicy.CheckEvery)
	if lo < testIdlePolicy.After-10*time.Minute || hi > testIdlePolicy.After+testIdlePolicy.CheckEvery {
		t.Errorf("idle to warning %v..%v, want within [after-10m, after+check_every]", lo, hi)
	}
}
