package demo_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

func TestActivityBusyThenIdle(t *testing.T) {
	clk := newClock()
	p := demo.New(demo.Config{Now: clk.Now, BusyFor: 20 * time.Minute})
	ctx := context.Background()
	in := mustCreate(t, p, request("box"))
	created := clk.Now()
	clk.Advance(90 * time.Minute)
	noData := created.Add(80 * time.Minute)
	p.SetLoadSince(in.ID, demo.Load{NoData: true}, noData)
	tests := []struct {
		name       string
		start, end time.Duration // from created
		wantCPU    float64
		wantPoints bool
		wantLast   time.Duration
	}{
		{"busy while new", 0, 10 * time.Minute, demo.BusyLoad.CPUPercent, true, 10 * time.Minute},
		{"idle afterwards", 30 * time.Minute, 60 * time.Minute, demo.IdleLoad.CPUPercent, true, 60 * time.Minute},
		{"half and half", 10 * time.Minute, 29*time.Minute + 30*time.Second,
			(10*demo.BusyLoad.CPUPercent + 10*demo.IdleLoad.CPUPercent) / 20, true, 29 * time.Minute},
		{"no data points", 81 * time.Minute, 90 * time.Minute, 0, false, 0},
		{"data stops", 70 * time.Minute, 90 * time.Minute, demo.IdleLoad.CPUPercent, true, 79 * time.Minute},
		{"before create", -time.Hour, -time.Minute, 0, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := p.Activity(ctx, []string{in.ID}, created.Add(tt.start), created.Add(tt.end))
			if err != nil {
				t.Fatalf("Activity() error = %v", err)
			}
			a, ok := got[in.ID]
			if ok != tt.wantPoints {
				t.Fatalf("Activity() has figures = %v, want %v (%+v)", ok, tt.wantPoints, a)
			}
			if !ok {
				return
			}
			if diff := a.CPUPercent - tt.wantCPU; diff > 1e-9 || diff < -1e-9 {
				t.Errorf("Activity().CPUPercent = %v, want %v", a.CPUPercent, tt.wantCPU)
			}
			if want := created.Add(tt.wantLast); !a.Last.Equal(want) {
				t.Errorf("Activity().Last = %v, want %v", a.Last, want)
			}
		})
	}
}

func TestActivityFault(t *testing.T) {
	p := demo.New(demo.Config{})
	boom := errors.New("monitoring is down")
	p.SetFailNext(demo.OpActivity, boom)
	now := time.Now()
	if _, err := p.Activity(context.Background(), []string{"demo-1"}, now.Add(-time.Hour), now); !errors.Is(err, boom) {
		t.Fatalf("Activity() error = %v, want the injected fault", err)
	}
	if got := p.Calls()[demo.OpActivity]; got != 1 {
		t.Errorf("Calls()[Activity] = %d, want 1", got)
	}
}

func TestActivityCovers(t *testing.T) {
	end := time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)
	start := end.Add(-time.Hour)
	full := providers.Activity{HasCPU: true, HasNet: true, First: start, Last: end}
	tests := []struct {
		name string
		a    providers.Activity
		want bool
	}{
		{"full window", full, true},
		{"within slack", providers.Activity{HasCPU: true, HasNet: true, First: start.Add(4 * time.Minute), Last: end.Add(-4 * time.Minute)}, true},
		{"starts late", providers.Activity{HasCPU: true, HasNet: true, First: start.Add(20 * time.Minute), Last: end}, false},
		{"stops early", providers.Activity{HasCPU: true, HasNet: true, First: start, Last: end.Add(-20 * time.Minute)}, false},
		{"no network", providers.Activity{HasCPU: true, First: start, Last: end}, false},
		{"nothing", providers.Activity{}, false},
	}
	for _, tt := range tests {
		if got := tt.a.Covers(start, end, 5*time.Minute); got != tt.want {
			t.Errorf("%s: Covers() = %v, want %v", tt.name, got, tt.want)
		}
	}
}
