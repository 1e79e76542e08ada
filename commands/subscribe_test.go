package commands

import (
	"github.com/spuffbot/spuffbot/commands/grammar"
	"slices"
	"testing"
	"time"
)

func TestSubscribe(t *testing.T) {
	e := newEnv(t)
	late := &recorder{}
	e.svc.Subscribe(late)
	e.svc.Subscribe(nil) // ignored
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	first, second := e.rec.kinds(op.ID), late.kinds(op.ID)
	if len(first) == 0 || !slices.Contains(first, EventReady) {
		t.Fatalf("the Notifier given to New got %v, want the up's events up to ready", first)
	}
	if !slices.Equal(first, second) {
		t.Errorf("a subscriber got %v, the Notifier given to New %v; want the same events in the same order", second, first)
	}
}

func TestPolicyAccessors(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		admins   []string
		extendBy time.Duration
	}{
		{"defaults", Config{}, nil, 2 * time.Hour},
		{"set", Config{Admins: []string{"U0ADMIN"}, ExtendBy: 30 * time.Minute}, []string{"U0ADMIN"}, 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.cfg, nil, nil, nil)
			if got := s.Admins(); !slices.Equal(got, tt.admins) {
				t.Errorf("Admins() = %v, want %v", got, tt.admins)
			}
			if got := s.ExtendBy(); got != tt.extendBy {
				t.Errorf("ExtendBy() = %v, want %v", got, tt.extendBy)
			}
			if got := s.Admins(); len(got) > 0 {
				got[0] = "changed"
				if s.IsAdmin("changed") {
					t.Errorf("Admins() returned the Service's own slice")
				}
			}
		})
	}
}
