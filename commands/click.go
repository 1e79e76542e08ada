package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// Answered is the first answer to a card (a lease or idle warning) whose
// buttons were pressed again: who pressed which button, and when. The
// card answers once, so the later press changed nothing.
type Answered struct {
	// Lease is the lease warning's button pressed first; empty when it
	// was one of the idle warning's Keep buttons. An idle warning's
	// destroy buttons are a lease's (LeaseDestroy, LeaseSnapshotDestroy).
	Lease LeaseAction
	// Idle is the idle warning's Keep button pressed first, or empty.
	Idle IdleAction
	// By is who pressed it.
	By UserID
	// At is when.
	At time.Time
	// Instance is the instance the card is about.
	Instance string
}

// clickByKey returns the click recorded with key, or nil.
func (s *Service) clickByKey(ctx context.Context, key string) *store.Click {
	c, err := s.store.GetClick(ctx, key)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("look up click", "err", err)
		}
		return nil
	}
	return c
}

// seenClick looks key up among the clicks and, for a journal written
// before clicks were recorded, the operations, and returns the answer to
// a card answered before; ok is false for a key not seen.
func (s *Service) seenClick(ctx context.Context, key string) (r Reply, ok bool) {
	if key == "" {
		return Reply{}, false
	}
	if c := s.clickByKey(ctx, key); c != nil {
		return s.answered(ctx, c), true
	}
	if op := s.opByKey(ctx, key); op != nil {
		return duplicate(op), true
	}
	return Reply{}, false
}

// recordClick records the click by actor on action for instance name
// under key, first-wins, with op the operation it starts (empty if none).
// When the key was seen, it returns the answer to the earlier click and
// false; a click without a key is not recorded.
func (s *Service) recordClick(ctx context.Context, key, name, actor, action, op string) (Reply, bool, error) {
	if key == "" {
		return Reply{}, true, nil
	}
	c, created, err := s.store.RecordClick(ctx, store.Click{Key: key, Action: action, Instance: name, Actor: actor, Op: op, At: s.cfg.Now()})
	if err != nil {
		return Reply{}, false, fmt.Errorf("record click on %s: %w", name, err)
	}
	if !created {
		return s.answered(ctx, &c), false, nil
	}
	return Reply{}, true, nil
}

// answered is the reply to a click on a card that c answered before:
// Answered says how, and Op is the operation c started, if any.
func (s *Service) answered(ctx context.Context, c *store.Click) Reply {
	a := &Answered{By: UserID(c.Actor), At: c.At, Instance: c.Instance}
	switch IdleAction(c.Action) {
	case IdleKeep, IdleKeepLease:
		a.Idle = IdleAction(c.Action)
	default:
		a.Lease = LeaseAction(c.Action)
	}
	r := Reply{Duplicate: true, Answered: a, Text: "That was already answered."}
	if c.Op != "" {
		op, err := s.store.GetOperation(ctx, c.Op)
		if err == nil {
			r = duplicate(op)
			r.Answered = a
		} else if !errors.Is(err, store.ErrNotFound) {
			s.log.Error("look up clicked operation", "op", c.Op, "err", err)
		}
	}
	return r
}

// pruneClicks removes the clicks pressed before before: they go with the
// finished operations, by the journal's retention (see Prune). A card
// older than that answers a click as a new one, or says its instance is
// gone.
func (s *Service) pruneClicks(ctx context.Context, before time.Time) (int, error) {
	n, err := drain(ctx, func() (int, bool, error) {
		return s.store.PruneClicks(ctx, before, pruneBatch)
	})
	if err != nil {
		return n, fmt.Errorf("prune clicks: %w", err)
	}
	return n, nil
}
