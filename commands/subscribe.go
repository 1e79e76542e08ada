package commands

import (
	"context"
	"slices"
	"sync"
	"time"
)

// subscribers is the Service's Notifier: it hands every event to each
// front end subscribed, in the order they subscribed.
type subscribers struct {
	mu   sync.RWMutex
	list []Notifier
}

func (ss *subscribers) add(n Notifier) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.list = append(ss.list, n)
}

// Notify hands ev to every subscriber.
func (ss *subscribers) Notify(ctx context.Context, ev Event) {
	ss.mu.RLock()
	list := ss.list
	ss.mu.RUnlock()
	for _, n := range list {
		n.Notify(ctx, ev)
	}
}

// Subscribe makes n receive every event the Service emits from now on,
// besides the Notifier given to New. A front end is built over the
// Service and then subscribes to it, before anything runs (Resume, Start,
// Run, Background), so that it misses no event:
//
//	svc := commands.New(cfg, st, provs, nil)
//	b := bot.New(botCfg, svc)
//	svc.Subscribe(b)
//	err := b.Run(ctx)
//
// It is safe to call concurrently with events being emitted.
func (s *Service) Subscribe(n Notifier) {
	if n != nil {
		s.subs.add(n)
	}
}

// Admins returns the configured admins (Config.Admins).
func (s *Service) Admins() []string { return slices.Clone(s.cfg.Admins) }

// ExtendBy returns how much the Extend button of a lease warning adds
// (Config.ExtendBy, after its default).
func (s *Service) ExtendBy() time.Duration { return s.cfg.ExtendBy }
