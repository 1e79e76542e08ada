package providertest

import (
	"math"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
)

// ActivityWant is what a cloud's activity test expects of one instance.
type ActivityWant struct {
	Name string // names the instance in messages
	ID   string // its cloud id
	// Load is the load its emulator was given; nil when the cloud has no
	// figures for it.
	Load *Load
	// Absent requires it to be missing from the answer altogether (an
	// instance that does not exist).
	Absent bool
}

// CheckActivity checks what a providers.ActivityReader returned against
// the loads the emulator was given: an instance with a load has both
// figures, CPU within cpuTol percent and traffic within netTol bytes a
// second of it, and points that spans accepts (it returns what it wanted
// when not); one without has no figures, and an Absent one no entry.
func CheckActivity(t testing.TB, got map[string]providers.Activity, wants []ActivityWant, cpuTol, netTol float64,
	spans func(providers.Activity) (ok bool, want string)) {
	t.Helper()
	for _, w := range wants {
		a, ok := got[w.ID]
		has := w.Load != nil
		switch {
		case w.Absent && ok:
			t.Errorf("%s: Activity() has %+v for it, want no entry", w.Name, a)
			continue
		case a.HasCPU != has || a.HasNet != has:
			t.Errorf("%s: Activity() = %+v, %v; want figures %v", w.Name, a, ok, has)
			continue
		case !has:
			continue
		}
		if math.Abs(a.CPUPercent-w.Load.CPUPercent) > cpuTol || math.Abs(a.NetInBps-w.Load.NetInBps) > netTol ||
			math.Abs(a.NetOutBps-w.Load.NetOutBps) > netTol {
			t.Errorf("%s: Activity() = %+v, want %+v of the whole machine", w.Name, a, *w.Load)
		}
		if ok, want := spans(a); !ok {
			t.Errorf("%s: Activity() spans %v..%v, want %s", w.Name, a.First, a.Last, want)
		}
	}
}
