package aws_test

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func newMetricsFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t, func(c *aws.Config) { c.MetricsURL = c.BaseURL })
	f.emu.RequireAccessKey(testKeyID)
	return f
}

func setActivity(emu *providertest.EC2) func(id string, busy bool) {
	return func(id string, busy bool) {
		l := providertest.IdleLoad
		if busy {
			l = providertest.BusyLoad
		}
		emu.SetLoad(id, l)
	}
}

func TestActivityConformance(t *testing.T) {
	providertest.Run(t, func(t *testing.T) providertest.Target {
		f := newMetricsFixture(t)
		return providertest.Target{Provider: f.p, SetActivity: setActivity(f.emu)}
	})
}

func TestActivity(t *testing.T) {
	f := newMetricsFixture(t)
	busy := f.createReady(t, request("spuff-busy", "op-1"))
	idle := f.createReady(t, request("spuff-idle", "op-2"))
	silent := f.createReady(t, request("spuff-silent", "op-3"))
	f.emu.SetLoad(busy.ID, providertest.BusyLoad)
	f.emu.SetLoad(idle.ID, providertest.IdleLoad)
	end := time.Now().Truncate(5 * time.Minute)
	start := end.Add(-time.Hour)
	got, err := f.p.Activity(t.Context(), []string{busy.ID, idle.ID, silent.ID}, start, end)
	if err != nil {
		t.Fatalf("Activity() error = %v", err)
	}
	busyLoad, idleLoad := providertest.BusyLoad, providertest.IdleLoad
	last := end.Add(-5 * time.Minute) // 5-minute points from start to the last one before end
	providertest.CheckActivity(t, got, []providertest.ActivityWant{
		{Name: "busy", ID: busy.ID, Load: &busyLoad},
		{Name: "idle", ID: idle.ID, Load: &idleLoad},
		{Name: "silent", ID: silent.ID, Absent: true},
	}, 1e-9, 1e-6, func(a providers.Activity) (bool, string) {
		return a.First.Equal(start) && a.Last.Equal(last), fmt.Sprintf("%v..%v", start, last)
	})
	if n := f.emu.Calls("GetMetricData"); n != 1 {
		t.Errorf("GetMetricData calls = %d, want 1 for 3 instances", n)
	}
}

// TestActivityBatches checks that 400 instances take three calls of at
// most 500 queries (the emulator refuses more).
func TestActivityBatches(t *testing.T) {
	f := newMetricsFixture(t)
	ids := make([]string, 400)
	for i := range ids {
		ids[i] = "i-" + strconv.FormatInt(int64(0x10000000+i), 16)
		f.emu.SetLoad(ids[i], providertest.IdleLoad)
	}
	end := time.Now().Truncate(5 * time.Minute)
	got, err := f.p.Activity(t.Context(), ids, end.Add(-time.Hour), end)
	if err != nil {
		t.Fatalf("Activity(400 instances) error = %v", err)
	}
	if len(got) != len(ids) {
		t.Errorf("Activity(400 instances) has %d, want 400", len(got))
	}
	if n := f.emu.Calls("GetMetricData"); n != 3 {
		t.Errorf("GetMetricData calls = %d, want 3 (166 instances, 498 queries each)", n)
	}
}

func TestActivityErrorIsTyped(t *testing.T) {
	f := newFixture(t, func(c *aws.Config) { c.MetricsURL = c.BaseURL; c.RetryMaxAttempts = 1 })
	f.emu.RequireAccessKey("AKIDSOMEONEELSE")
	now := time.Now()
	_, err := f.p.Activity(t.Context(), []string{"i-0123"}, now.Add(-time.Hour), now)
	if !errors.Is(err, providers.ErrAuth) {
		t.Fatalf("Activity() with credentials CloudWatch refuses = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), testSecret) {
		t.Errorf("Activity() error %q holds the secret key", err)
	}
}
