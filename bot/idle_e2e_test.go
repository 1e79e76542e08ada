package bot

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// metered is the demo cloud with metrics a test sets: every window is
// covered, with the figures of busy or idle. (The demo's own simulated
// metrics follow its own clock; the bot tests move theirs by hand.)
type metered struct {
	*demo.Provider
	mu   sync.Mutex
	busy bool
}

func (m *metered) setBusy(b bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.busy = b
}

func (m *metered) ActivityStep() time.Duration { return time.Minute }

func (m *metered) Activity(_ context.Context, ids []string, start, end time.Time) (map[string]providers.Activity, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := demo.IdleLoad
	if m.busy {
		l = demo.BusyLoad
	}
	out := make(map[string]providers.Activity, len(ids))
	for _, id := range ids {
		out[id] = providers.Activity{CPUPercent: l.CPUPercent, NetInBps: l.NetInBps, NetOutBps: l.NetOutBps,
			HasCPU: true, HasNet: true, First: start, Last: end}
	}
	return out, nil
}

// idleHarness is a cost harness with the default idle policy over a
// metered demo cloud.
func idleHarness(t *testing.T, c *manualClock) (*harness, *metered) {
	t.Helper()
	m := &metered{}
	h := costHarness(t, c, func(s *setup) {
		s.svc.Idle = commands.IdlePolicy{After: time.Hour}
		s.provider = func(d *demo.Provider) providers.Provider { m.Provider = d; return m }
	})
	return h, m
}

// idleWarned starts alice's instance and moves the clock to its idle
// warning; it returns the thread's root, the name and the card.
func idleWarned(t *testing.T, h *harness, c *manualClock) (root slacktest.Message, name string, card slacktest.Message) {
	t.Helper()
	root = h.up(alice, "")
	name = instanceName(t, root)
	h.waitThread(general, root.TS, "ssh dev@")
	c.Add(time.Hour)
	rep, err := h.svc.CheckIdle(h.ctx)
	if err != nil || len(rep.Warned) != 1 {
		t.Fatalf("CheckIdle = %+v, %v; want %s warned", rep, err, name)
	}
	card = h.waitMessage(h.slack.DMChannel(alice), "Still using")
	h.waitThread(general, root.TS, "looks forgotten")
	return root, name, card
}

func TestIdleWarningCardKeep(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h, _ := idleHarness(t, c)
	_, name, card := idleWarned(t, h, c)
	dm := card.Channel
	for _, want := range []string{"Keep 2h", "Keep until lease end", "Destroy now", "Snapshot & destroy",
		"CPU 0.3% avg, network 0.4 kB/s over the last 1h", "$0.0074/h"} {
		if !strings.Contains(card.PlainText(), want) {
			t.Errorf("idle card %q lacks %q", card.PlainText(), want)
		}
	}
	h.click(mallory, dm, card.TS, actionIdleKeep)
	h.waitEphemeral(dm, mallory, "only its owner or an admin")

	h.click(alice, dm, card.TS, actionIdleKeep)
	h.waitRoot(dm, card.TS, "Kept by <@"+alice+">")
	if got := h.instance(name).Idle; !got.WarnedAt.IsZero() || !got.KeepUntil.Equal(c.Now().Add(2*time.Hour)) {
		t.Errorf("after Keep 2h: idle state %+v, want no warning and checks kept off for 2h", got)
	}
	h.clickAgain(alice, dm, card.TS, actionIdleDestroy, name)
	h.waitEphemeral(dm, alice, "already answered: <@"+alice+"> kept")
	if got := h.instance(name).Status; got != store.InstanceReady {
		t.Errorf("instance is %s after a second click, want ready", got)
	}
}

func TestIdleNoAnswerDestroys(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h, _ := idleHarness(t, c)
	root, name, card := idleWarned(t, h, c)
	c.Add(30 * time.Minute)
	rep, err := h.svc.CheckIdle(h.ctx)
	if err != nil || len(rep.Destroyed) != 1 {
		t.Fatalf("CheckIdle after the grace = %+v, %v; want %s destroyed", rep, err, name)
	}
	h.waitThread(general, root.TS, "nobody kept it")
	h.waitRoot(card.Channel, card.TS, "Saved $0.05")
	h.waitMessage(opsChan, "was destroyed because it was idle")
	h.waitMessage(card.Channel, "That saves $0.05")
}

func TestIdleActivityReturnsUpdatesCard(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h, m := idleHarness(t, c)
	root, name, card := idleWarned(t, h, c)
	m.setBusy(true)
	c.Add(5 * time.Minute)
	if rep, err := h.svc.CheckIdle(h.ctx); err != nil || len(rep.Cancelled) != 1 {
		t.Fatalf("CheckIdle with activity back = %+v, %v; want the warning of %s cancelled", rep, err, name)
	}
	h.waitRoot(card.Channel, card.TS, "In use again")
	h.waitThread(general, root.TS, "is in use again")
}
