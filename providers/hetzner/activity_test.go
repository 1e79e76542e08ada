package hetzner

import (
	"context"
	"fmt"
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
	busy, idle := providertest.BusyLoad, providertest.IdleLoad
	// cx22 has 2 vCPUs: the emulator reports 2 × the load, per vCPU summed.
	providertest.CheckActivity(t, got, []providertest.ActivityWant{
		{Name: "busy", ID: ids["busy"], Load: &busy},
		{Name: "idle", ID: ids["idle"], Load: &idle},
		{Name: "silent", ID: ids["silent"]},
		{Name: "a server that does not exist", ID: "424242", Absent: true},
	}, 1e-9, 0, func(a providers.Activity) (bool, string) {
		return a.Covers(start, end, 2*time.Minute), fmt.Sprintf("the hour %v..%v", start, end)
	})
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
