package hetzner

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

func TestActivity(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu)
	ctx := context.Background()
	ids := map[string]string{}
	for _, name := range []string{"busy", "idle", "silent"} {
		in, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "spuff-" + name, Size: "cx22", Region: "fsn1"})
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
		// cx22 has 2 vCPUs: the emulator reports 2 × the load, per vCPU summed.
		if math.Abs(a.CPUPercent-tt.want.CPUPercent) > 1e-9 || a.NetInBps != tt.want.NetInBps || a.NetOutBps != tt.want.NetOutBps {
			t.Errorf("%s: Activity() = %+v, want %+v of the whole machine", tt.name, a, tt.want)
		}
		if !a.Covers(start, end, 2*time.Minute) {
			t.Errorf("%s: Activity() spans %v..%v, want the hour %v..%v", tt.name, a.First, a.Last, start, end)
		}
	}
	if _, ok := got["424242"]; ok {
		t.Errorf("Activity() has figures for a server that does not exist")
	}
	if n := emu.Calls("GET /v1/servers/{id}/metrics"); n != 3 {
		t.Errorf("metrics calls = %d, want one per server (3)", n)
	}
	if n := emu.Calls("GET /v1/servers"); n != 1 {
		t.Errorf("list calls = %d, want 1", n)
	}
}

func TestActivityAPIErrorIsAnError(t *testing.T) {
	emu := newEmulator(t)
	p := newProvider(t, emu, func(c *Config) { c.MaxRetries = -1 })
	ctx := context.Background()
	in, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "spuff-x", Size: "cx22", Region: "fsn1"})
	if err != nil {
		t.Fatal(err)
	}
	emu.SetLoad(in.ID, providertest.IdleLoad)
	emu.FailNext(1, providertest.Fault{Status: 503})
	now := time.Now()
	if got, err := p.Activity(ctx, []string{in.ID}, now.Add(-time.Hour), now); err == nil {
		t.Fatalf("Activity() with the API failing = %v, nil; want an error", got)
	}
}
