package commands

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/store"
)

// TestIdleChecksStayWithinTheCloudsBudget puts 50 running droplets at the
// DigitalOcean emulator (three Monitoring calls each, against its 5,000
// requests an hour): a pass every 5 minutes may spend a quarter of that,
// 104 requests, so each pass checks 34 droplets, those checked longest
// ago first, and within two passes every droplet has been checked. A
// warned droplet is checked in every pass.
func TestIdleChecksStayWithinTheCloudsBudget(t *testing.T) {
	var do cloudUnderTest
	for _, c := range emulatedClouds(t) {
		if c.name == "digitalocean" {
			do = c
		}
	}
	e := newEnv(t, withConfig(func(c *Config) { c.Idle = testIdlePolicy }),
		func(o *envOptions) { o.extra = map[string]providers.Provider{do.name: do.p} })
	const vms = 50
	now := e.clock.Now()
	for i := range vms {
		name := fmt.Sprintf("vm-%02d", i)
		in, err := do.p.CreateInstance(e.ctx, providers.InstanceRequest{Name: name, Size: do.size, Region: do.region,
			Labels: map[string]string{providers.LabelOwner: alice, providers.LabelOp: "op-" + name}})
		if err != nil {
			t.Fatal(err)
		}
		rec := store.Instance{Name: name, Provider: do.name, CloudID: in.ID, Owner: alice, Channel: general,
			Size: do.size, Region: do.region, PriceHourly: 0.01, Created: now.Add(-2 * time.Hour),
			LeaseExpiry: now.Add(8 * time.Hour), Status: store.InstanceReady}
		if i == vms-1 { // warned a while ago; its deadline runs
			rec.Idle = store.Idle{WarnedAt: now.Add(-time.Minute), Deadline: now.Add(29 * time.Minute), Sent: true}
		}
		if err := e.db.CreateInstance(e.ctx, rec); err != nil {
			t.Fatal(err)
		}
		load := providertest.BusyLoad
		if i == vms-1 {
			load = providertest.IdleLoad // stays warned
		}
		do.setLoad(in.ID, load)
	}
	const budget = 5000 / idleShare * 5 / 60 // requests per pass: 104
	checked := map[string]int{}
	for pass := range 2 {
		before := do.calls()
		rep := e.checkIdle()
		if calls := do.calls() - before; calls > budget {
			t.Errorf("pass %d made %d requests, want at most %d", pass, calls, budget)
		}
		if len(rep.Checked) != budget/3 || len(rep.Deferred) != vms-budget/3 {
			t.Errorf("pass %d checked %d, deferred %d; want %d and %d", pass, len(rep.Checked), len(rep.Deferred), budget/3, vms-budget/3)
		}
		if !slices.Contains(rep.Checked, "vm-49") {
			t.Errorf("pass %d did not check the warned vm-49", pass)
		}
		for _, n := range rep.Checked {
			checked[n]++
		}
		e.clock.Advance(5 * time.Minute)
	}
	if len(checked) != vms {
		t.Errorf("two passes checked %d of %d droplets, want every one", len(checked), vms)
	}
}
