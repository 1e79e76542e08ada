package providers_test

import (
	"errors"
	"sync/atomic"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
)

// TestActivityEach checks the fan-out of per-instance metrics calls: every
// id is read once, at most parallel at a time; a gone instance is left
// out; any other error leaves nothing known.
func TestActivityEach(t *testing.T) {
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	var running, most atomic.Int32
	got, err := providers.ActivityEach(ids, 3, func(id string) (providers.Activity, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		if id == "4" {
			return providers.Activity{}, &providers.Error{Kind: providers.ErrNotFound}
		}
		return providers.Activity{CPUPercent: 1, HasCPU: true}, nil
	})
	if err != nil {
		t.Fatalf("ActivityEach = %v", err)
	}
	if _, gone := got["4"]; len(got) != 7 || gone || !got["1"].HasCPU {
		t.Errorf("ActivityEach = %v, want the 7 ids but the gone one", got)
	}
	if most.Load() > 3 {
		t.Errorf("%d reads at once, want at most 3", most.Load())
	}

	boom := errors.New("cloud down")
	got, err = providers.ActivityEach(ids, 2, func(id string) (providers.Activity, error) {
		if id == "6" {
			return providers.Activity{}, boom
		}
		return providers.Activity{HasCPU: true}, nil
	})
	if !errors.Is(err, boom) || got != nil {
		t.Errorf("ActivityEach with a failing read = %v, %v, want nil, %v", got, err, boom)
	}
}
