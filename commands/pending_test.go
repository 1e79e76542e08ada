package commands

import (
	"testing"
)

func TestPendingRequests(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	first := e.request(caller(alice), "one")
	e.request(caller(alice), "two")
	e.request(caller(bob), "bobs")
	if _, err := e.svc.Decide(e.ctx, first.ID, bob, false); err != nil {
		t.Fatal(err)
	}
	got, err := e.svc.PendingRequests(e.ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Op.Instance != "two" || got[0].Instance == nil || got[0].Instance.PriceHourly == 0 ||
		got[0].ProviderLabel != "Demo cloud" {
		t.Fatalf("PendingRequests(alice) = %+v, want only `two` with its instance and price", got)
	}
}
