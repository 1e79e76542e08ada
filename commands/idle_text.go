package commands

import (
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// IdleSaved is what destroying in at t saves: its price for the rest of
// its lease, in USD.
func IdleSaved(in store.Instance, t time.Time) float64 {
	if in.LeaseExpiry.IsZero() || !in.LeaseExpiry.After(t) {
		return 0
	}
	return in.PriceHourly * in.LeaseExpiry.Sub(t).Hours()
}

// IdleFiguresText says figures as a person reads them: "CPU 0.3% avg,
// network 0.4 kB/s over the last 60 min".
func IdleFiguresText(f store.IdleFigures) string {
	return fmt.Sprintf("CPU %.1f%% avg, network %.1f kB/s over the last %s",
		f.CPUPercent, f.NetBps/1000, fmtDuration((time.Duration(f.WindowSec) * time.Second).Round(time.Minute)))
}

// IdleStatus says what the idle checks last saw of in, for status and the
// App Home: the figures and when they were measured, "no metrics", or ""
// before the first check.
func IdleStatus(in store.Instance) string {
	switch {
	case in.Idle.Measured.IsZero():
		return ""
	case in.Idle.NoMetrics:
		return "no metrics (left to its lease), checked " + in.Idle.Measured.UTC().Format("15:04 MST")
	}
	return IdleFiguresText(store.IdleFigures{CPUPercent: in.Idle.CPUPercent, NetBps: in.Idle.NetBps, WindowSec: in.Idle.WindowSec}) +
		", measured " + in.Idle.Measured.UTC().Format("15:04 MST")
}
