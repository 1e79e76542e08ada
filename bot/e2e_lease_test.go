package bot

import (
	"sync"
	"testing"
	"time"
)

// manualClock is a time source a test moves by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestLeaseWarningAndExpiryGoToTheThread checks that what spuffbot does by
// itself to an instance is told in the instance's thread and to the team.
func TestLeaseWarningAndExpiryGoToTheThread(t *testing.T) {
	c := &manualClock{t: time.Now()}
	h := newHarness(t, func(s *setup) {
		s.svc.Now = c.Now
		s.bot.NotifyChannel = opsChan
	})
	root := h.up(alice, "--ttl 2h")
	name := instanceName(t, root)
	h.waitThread(general, root.TS, "ssh dev@")

	c.Add(2*time.Hour - 10*time.Minute)
	if _, err := h.svc.Reap(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.waitThread(general, root.TS, "when its lease ends")
	h.waitRoot(general, root.TS, "is ready") // a warning leaves the root as it is

	c.Add(20 * time.Minute)
	if _, err := h.svc.Reap(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.waitThread(general, root.TS, "its lease ended")
	h.waitRoot(general, root.TS, "destroyed when its lease ended")
	h.waitMessage(opsChan, "`"+name+"` was destroyed when its lease ended")
	if got := len(h.slack.Messages(general)); got != 1 {
		t.Errorf("%d top-level messages, want only the root:%s", got, h.dump(general))
	}
}
