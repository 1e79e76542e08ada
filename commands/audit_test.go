package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

// auditActions returns actor/action/outcome of each event, for comparing.
func auditActions(evs []store.AuditEvent) []string {
	out := make([]string, len(evs))
	for i, ev := range evs {
		out[i] = ev.Actor + " " + ev.Action + " " + ev.Target + " " + ev.Outcome
	}
	return out
}

// seedAudit appends n events by alice, a second apart, named by number.
func seedAudit(t *testing.T, e *env, n int) {
	t.Helper()
	for i := range n {
		e.clock.Advance(time.Second)
		if err := e.db.Audit(e.ctx, store.AuditEvent{Actor: alice, Action: "up", Target: fmt.Sprintf("box-%d", i), Outcome: "ok"}); err != nil {
			t.Fatalf("Audit: %v", err)
		}
	}
}

func TestAuditShowsLatestEventsToAdmins(t *testing.T) {
	tests := []struct {
		count int
		want  []string // targets, oldest first
	}{
		{1, []string{"box-24"}},
		{3, []string{"box-22", "box-23", "box-24"}},
		{25, nil}, // all 25, checked below
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.count), func(t *testing.T) {
			e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
			seedAudit(t, e, 25)
			r := e.handle("", caller(root), grammar.Command{Verb: grammar.VerbAudit, Count: tt.count})
			if len(r.Audit) != min(tt.count, 25) {
				t.Fatalf("audit %d returned %d events, want %d", tt.count, len(r.Audit), min(tt.count, 25))
			}
			if tt.want != nil {
				var got []string
				for _, ev := range r.Audit {
					got = append(got, ev.Target)
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("audit %d targets = %v, want %v", tt.count, got, tt.want)
				}
			}
			for i := 1; i < len(r.Audit); i++ {
				if r.Audit[i].Seq <= r.Audit[i-1].Seq || r.Audit[i].Time.Before(r.Audit[i-1].Time) {
					t.Fatalf("audit events are not oldest first: %v", auditActions(r.Audit))
				}
			}
			if r.Text != "" {
				t.Errorf("audit reply Text = %q, want none beside the events", r.Text)
			}
		})
	}
}

func TestAuditRecordsItsReaders(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	r := e.handle("", caller(root), grammar.Command{Verb: grammar.VerbAudit, Count: 20})
	if len(r.Audit) != 0 || !strings.Contains(r.Text, "empty") {
		t.Fatalf("audit of an empty log = %q, %v; want it said to be empty", r.Text, auditActions(r.Audit))
	}
	e.up(caller(alice), "box")
	e.refused(caller(mallory), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
	r = e.handle("", caller(root), grammar.Command{Verb: grammar.VerbAudit, Count: 20})
	got := auditActions(r.Audit)
	want := []string{root + " audit  ok: 0 events"}
	if len(got) < 3 || got[0] != want[0] {
		t.Fatalf("audit = %q, want it to start with %q and show the up and the refused down", got, want)
	}
	last := got[len(got)-1]
	if !strings.HasPrefix(last, mallory+" down box refused") {
		t.Errorf("newest event = %q, want mallory's refused down of box", last)
	}
	if !slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, alice+" up box") }) {
		t.Errorf("audit = %q, want alice's up of box in it", got)
	}
}

func TestAuditRefusesNonAdmins(t *testing.T) {
	tests := []struct {
		name   string
		admins []string
		hint   string
	}{
		{"admins configured", []string{root, carol}, "ask one of: @" + root + ", @" + carol},
		{"no admins", nil, "no admins are configured"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withConfig(func(c *Config) { c.Admins = tt.admins }))
			seedAudit(t, e, 2)
			ue := e.refused(caller(mallory), grammar.Command{Verb: grammar.VerbAudit, Count: 20})
			if ue.Msg != "only admins can read the audit log" || ue.Hint != tt.hint {
				t.Errorf("audit by mallory = %q / %q, want %q / %q", ue.Msg, ue.Hint, "only admins can read the audit log", tt.hint)
			}
			evs, err := e.db.ListAudit(e.ctx, time.Time{}, 1)
			if err != nil {
				t.Fatalf("ListAudit: %v", err)
			}
			if len(evs) != 1 || evs[0].Actor != mallory || evs[0].Action != "audit" || !strings.HasPrefix(evs[0].Outcome, "refused") {
				t.Errorf("newest audit event = %v, want mallory's refused audit", auditActions(evs))
			}
		})
	}
}

func TestAuditIsAllowedInAnyChannel(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.Admins, c.AllowedChannels = []string{root}, []string{"C0OPS"} }))
	seedAudit(t, e, 1)
	r := e.handle("", caller(root), grammar.Command{Verb: grammar.VerbAudit, Count: 5})
	if len(r.Audit) != 1 {
		t.Errorf("audit outside the allowed channels = %v, want the one event", auditActions(r.Audit))
	}
}

// limitSpy is a Store that records the limits ListAudit is asked for.
type limitSpy struct {
	Store
	mu     sync.Mutex
	limits []int
}

func (s *limitSpy) ListAudit(ctx context.Context, since time.Time, limit int) ([]store.AuditEvent, error) {
	s.mu.Lock()
	s.limits = append(s.limits, limit)
	s.mu.Unlock()
	return s.Store.ListAudit(ctx, since, limit)
}

func TestAuditCountBounds(t *testing.T) {
	tests := []struct{ count, limit int }{
		{0, grammar.AuditDefaultCount},
		{-3, grammar.AuditDefaultCount},
		{1, 1},
		{grammar.AuditMaxCount, grammar.AuditMaxCount},
		{grammar.AuditMaxCount + 1, grammar.AuditMaxCount},
		{1 << 40, grammar.AuditMaxCount},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.count), func(t *testing.T) {
			e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
			spy := &limitSpy{Store: e.db}
			svc := New(e.cfg, spy, e.provs, e.rec)
			if _, err := svc.Handle(e.ctx, "", caller(root), grammar.Command{Verb: grammar.VerbAudit, Count: tt.count}); err != nil {
				t.Fatalf("Handle(audit %d) = %v, want no error", tt.count, err)
			}
			if !slices.Equal(spy.limits, []int{tt.limit}) {
				t.Errorf("audit %d asked the store for limits %v, want [%d]", tt.count, spy.limits, tt.limit)
			}
		})
	}
}

func TestAuditStoreFailure(t *testing.T) {
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	svc := New(e.cfg, failingAudit{Store: e.db}, e.provs, e.rec)
	_, err := svc.Handle(e.ctx, "", caller(root), grammar.Command{Verb: grammar.VerbAudit, Count: 5})
	if err == nil {
		t.Fatal("audit over a failing store = nil error, want one")
	}
	if got := Explain(err, "ref1"); strings.Contains(got, "hunter2") || !strings.Contains(got, "ref1") {
		t.Errorf("Explain(audit error) = %q, want the reference and no detail", got)
	}
}

// failingAudit is a Store whose ListAudit fails.
type failingAudit struct{ Store }

func (failingAudit) ListAudit(context.Context, time.Time, int) ([]store.AuditEvent, error) {
	return nil, errSome
}
