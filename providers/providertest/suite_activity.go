package providertest

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// suiteActivity checks the optional providers.ActivityReader: a busy
// instance and an idle one are told apart, in one call, and an unknown
// instance has no figures rather than zeros that would read as idle.
func suiteActivity(t *testing.T, f *suiteFixture) {
	ar, ok := f.p.(providers.ActivityReader)
	if !ok || f.target.SetActivity == nil {
		t.Skip("the provider has no activity metrics, or the target cannot set them")
	}
	if step := ar.ActivityStep(); step <= 0 || step > 10*time.Minute {
		t.Errorf("ActivityStep() = %v, want a step between 0 and 10m", step)
	}
	busy := f.create("spuff-ct-busy")
	idle := f.create("spuff-ct-idle")
	f.waitReady(busy.ID)
	f.waitReady(idle.ID)
	f.target.SetActivity(busy.ID, true)
	f.target.SetActivity(idle.ID, false)
	const unknown = "999999"
	end := time.Now()
	got, err := ar.Activity(f.ctx, []string{busy.ID, idle.ID, unknown}, end.Add(-30*time.Minute), end)
	if err != nil {
		t.Fatalf("Activity() error = %v", err)
	}
	tests := []struct {
		name     string
		id       string
		wantBusy bool
	}{
		{"busy", busy.ID, true},
		{"idle", idle.ID, false},
	}
	for _, tt := range tests {
		a, ok := got[tt.id]
		if !ok || !a.HasCPU || !a.HasNet || a.First.IsZero() || a.Last.Before(a.First) {
			t.Errorf("Activity()[%s instance] = %+v, %v; want CPU and network figures with their times", tt.name, a, ok)
			continue
		}
		if a.CPUPercent < 0 || a.CPUPercent > 100 || a.NetInBps < 0 || a.NetOutBps < 0 {
			t.Errorf("Activity()[%s instance] = %+v, want CPU in [0, 100] and traffic >= 0", tt.name, a)
		}
		isBusy := a.CPUPercent >= 20 && a.NetBps() >= 50_000
		isIdle := a.CPUPercent < 2 && a.NetBps() < 2_000
		if tt.wantBusy && !isBusy || !tt.wantBusy && !isIdle {
			t.Errorf("Activity()[%s instance] = CPU %.2f%%, network %.0f B/s; want it to read %s",
				tt.name, a.CPUPercent, a.NetBps(), tt.name)
		}
	}
	if a, ok := got[unknown]; ok && (a.HasCPU || a.HasNet) {
		t.Errorf("Activity()[unknown instance] = %+v, want no figures", a)
	}
}
