package commands

import (
	"testing"
)

// TestCreatedCarriesTheAddressTheCloudGaveAtCreate: Hetzner answers the
// create with the VM's public IPv4, so EventCreated shows it while the VM
// boots, and it is the address the VM is ready at; DigitalOcean and AWS
// assign it later, so EventCreated has none.
func TestCreatedCarriesTheAddressTheCloudGaveAtCreate(t *testing.T) {
	for _, c := range faultyClouds(t) {
		t.Run(c.name, func(t *testing.T) {
			e := cloudEnv(t, c, nil)
			op := e.upOn(c, "dev")
			created := e.rec.last(t, op.ID, EventCreated)
			ready := e.rec.last(t, op.ID, EventReady)
			if ready.Instance == nil || ready.Instance.IP == "" {
				t.Fatalf("EventReady instance = %+v, want an IP", ready.Instance)
			}
			switch c.name {
			case "hetzner":
				if created.Address != ready.Instance.IP {
					t.Errorf("EventCreated.Address = %q, want the IP the VM is ready at, %q", created.Address, ready.Instance.IP)
				}
			default:
				if created.Address != "" {
					t.Errorf("EventCreated.Address = %q, want none: %s assigns the address after the create", created.Address, c.name)
				}
			}
		})
	}
}
