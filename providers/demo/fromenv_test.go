package demo

import (
	"testing"
	"time"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", DefaultReadyAfter, false},
		{"0s", 0, false},
		{"750ms", 750 * time.Millisecond, false},
		{"soon", 0, true},
		{"-1s", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			env := func(key string) string {
				if key == EnvReadyAfter {
					return tt.value
				}
				return ""
			}
			got, err := FromEnv(t.Context(), env)
			if tt.wantErr {
				if err == nil {
					t.Errorf("FromEnv(%s=%q) error = nil, want an error", EnvReadyAfter, tt.value)
				}
				return
			}
			if err != nil {
				t.Fatalf("FromEnv(%s=%q) error = %v", EnvReadyAfter, tt.value, err)
			}
			p := got.(*Provider)
			if p.readyAfter != tt.want || p.Name() != "demo" {
				t.Errorf("FromEnv(%s=%q) = %s with ReadyAfter %v, want demo with %v",
					EnvReadyAfter, tt.value, p.Name(), p.readyAfter, tt.want)
			}
		})
	}
}
