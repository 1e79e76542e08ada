package store

import "time"

// Idle is what the idle checks know of an instance: its latest activity
// figures, as its cloud measured them, and the idle warning its owner was
// sent, if one is pending. The warning and its deadline are journaled here
// before the owner is told, so that a restart neither loses nor repeats
// them.
type Idle struct {
	// Measured is when the figures were read; zero before the first check.
	Measured time.Time `json:"measured,omitzero"`
	// WindowSec is the span the figures average over, in seconds.
	WindowSec int64 `json:"window_sec,omitempty"`
	// CPUPercent and NetBps are the mean CPU use (percent of the whole
	// machine) and public traffic in and out (bytes per second).
	CPUPercent float64 `json:"cpu_percent,omitempty"`
	NetBps     float64 `json:"net_bps,omitempty"`
	// NoMetrics reports whether the cloud had no CPU or network data at
	// Measured: such an instance is never taken for idle.
	NoMetrics bool `json:"no_metrics,omitempty"`

	// WarnedAt is when the owner was warned that the instance looks
	// forgotten; zero when no warning is pending.
	WarnedAt time.Time `json:"warned_at,omitzero"`
	// Deadline is when a warned instance is destroyed if nobody answers
	// and it stays idle.
	Deadline time.Time `json:"deadline,omitzero"`
	// Evidence is the figures the warning showed.
	Evidence IdleFigures `json:"evidence,omitzero"`
	// Sent reports whether the warning was handed to the front ends;
	// until it is, the next check sends it (again).
	Sent bool `json:"sent,omitempty"`
	// KeepUntil suspends the idle checks until then (a Keep button).
	KeepUntil time.Time `json:"keep_until,omitzero"`
}

// IdleFigures are activity figures over a window.
type IdleFigures struct {
	CPUPercent float64 `json:"cpu_percent,omitempty"`
	NetBps     float64 `json:"net_bps,omitempty"`
	WindowSec  int64   `json:"window_sec,omitempty"`
}
