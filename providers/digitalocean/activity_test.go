package digitalocean

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

// setActivity is the suite's SetActivity over emu.
func setActivity(emu *providertest.DigitalOcean) func(id string, busy bool) {
	return func(id string, busy bool) {
		l := providertest.IdleLoad
		if busy {
			l = providertest.BusyLoad
		}
		emu.SetLoad(id, l)
	}
}

func TestActivity(t *testing.T) {
	p, emu := newTestProvider(t)
	ctx := context.Background()
	ids := map[string]string{}
	for _, name := range []string{"busy", "idle", "silent"} {
		in, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "spuff-" + name, Size: "s-1vcpu-1gb", Region: "fra1"})
		if err != nil {
			t.Fatalf("CreateInstance(%s): %v", name, err)
		}
		ids[name] = in.ID
	}
	emu.SetLoad(ids["busy"], providertest.BusyLoad)
	emu.SetLoad(ids["idle"], providertest.IdleLoad)
	end := time.Now().Truncate(time.Minute)
	start := end.Add(-time.Hour)
	emu.ResetCalls()
	got, err := p.Activity(ctx, []string{ids["busy"], ids["idle"], ids["silent"], "424242"}, start, end)
	if err != nil {
		t.Fatalf("Activity() error = %v", err)
	}
	tests := []struct {
		name string
		want providertest.Load
		has  bool
	}{
		{"busy", providertest.BusyLoad, true},
		{"idle", providertest.IdleLoad, true},
		{"silent", providertest.Load{}, false},
	}
	for _, tt := range tests {
		a := got[ids[tt.name]]
		if a.HasCPU != tt.has || a.HasNet != tt.has {
			t.Errorf("%s: Activity() = %+v, want figures %v", tt.name, a, tt.has)
			continue
		}
		if !tt.has {
			continue
		}
		// The CPU is the rate of cumulative seconds per mode; the
		// emulator rounds each counter to the millisecond.
		if math.Abs(a.CPUPercent-tt.want.CPUPercent) > 0.01 || math.Abs(a.NetInBps-tt.want.NetInBps) > 1e-6 ||
			math.Abs(a.NetOutBps-tt.want.NetOutBps) > 1e-6 {
			t.Errorf("%s: Activity() = %+v, want %+v", tt.name, a, tt.want)
		}
		if !a.Covers(start, end, 2*time.Minute) {
			t.Errorf("%s: Activity() spans %v..%v, want the hour", tt.name, a.First, a.Last)
		}
	}
	if _, ok := got["424242"]; ok {
		t.Errorf("Activity() has figures for a droplet that does not exist")
	}
	cpu := emu.Calls("GET /v2/monitoring/metrics/droplet/cpu")
	bw := emu.Calls("GET /v2/monitoring/metrics/droplet/bandwidth")
	if cpu != 4 || bw != 6 {
		t.Errorf("metrics calls: cpu %d, bandwidth %d; want one cpu and two bandwidth calls per droplet asked (4 droplets, 1 unknown)", cpu, bw)
	}
}
