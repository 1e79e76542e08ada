package digitalocean

import (
	"context"
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
	busy, idle := providertest.BusyLoad, providertest.IdleLoad
	// The CPU is the rate of cumulative seconds per mode; the emulator
	// rounds each counter to the millisecond.
	providertest.CheckActivity(t, got, []providertest.ActivityWant{
		{Name: "busy", ID: ids["busy"], Load: &busy},
		{Name: "idle", ID: ids["idle"], Load: &idle},
		{Name: "silent", ID: ids["silent"]},
		{Name: "a droplet that does not exist", ID: "424242", Absent: true},
	}, 0.01, 1e-6, func(a providers.Activity) (bool, string) { return a.Covers(start, end, 2*time.Minute), "the hour" })
	cpu := emu.Calls("GET /v2/monitoring/metrics/droplet/cpu")
	bw := emu.Calls("GET /v2/monitoring/metrics/droplet/bandwidth")
	if cpu != 4 || bw != 6 {
		t.Errorf("metrics calls: cpu %d, bandwidth %d; want one cpu and two bandwidth calls per droplet asked (4 droplets, 1 unknown)", cpu, bw)
	}
}
