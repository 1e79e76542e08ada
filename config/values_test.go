package config

import (
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"90m", 90 * time.Minute, true},
		{"1h30m", 90 * time.Minute, true},
		{"8H", 8 * time.Hour, true},
		{"0", 0, true},
		{"1d", 24 * time.Hour, true},
		{"1.5d", 36 * time.Hour, true},
		{"1d12h", 36 * time.Hour, true},
		{"-2h", -2 * time.Hour, true},
		{" 30m ", 30 * time.Minute, true},
		{"", 0, false},
		{"90", 90 * time.Second, true}, // plain seconds
		{"-90", -90 * time.Second, true},
		{"3x", 0, false},
		{"d", 0, false},
		{"1d-2h", 0, false},
		{"1e3d", 0, false},
		{"1.2.3d", 0, false},
		{"999999999d", 0, false},
		{"106751d23h", 2562047 * time.Hour, true},
		{"106751d24h", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseDuration(tt.in)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseDuration(%q) = %v, %v, want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestClosest(t *testing.T) {
	keys := []string{"admins", "approvers", "approval_above", "approval_expiry", "max_lease", "default_lease"}
	tests := []struct {
		in, want string
		wantOK   bool
	}{
		{"admin", "admins", true},
		{"aprovers", "approvers", true},
		{"MAX-LEASE", "max_lease", true},
		{"maxlease", "max_lease", true},
		{"default", "default_lease", true},
		{"approval", "", false}, // a prefix of two
		{"ttl", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := closest(tt.in, keys)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("closest(%q) = %q, %v, want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestFmtDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0", 72 * time.Hour: "3d", 36 * time.Hour: "36h", 90 * time.Minute: "90m", 1500 * time.Millisecond: "1.5s", -time.Hour: "-1h",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
