package commands

import (
	"context"
	"fmt"
	"slices"

	"github.com/spuffbot/spuffbot/store"
)

// recheck runs the checks of up again, for the request of op, at the
// moment an approver approves it: hours may have passed, and the policy,
// the requester's instances and their spending with them. It checks the
// channel, the cloud, the lease, the image, the size and region, the
// quota and the budget, the budget only when it was not the reason the
// request went to an approver. A refusal is a *UsageError that speaks of
// the requester.
func (s *Service) recheck(ctx context.Context, op *store.Operation) error {
	req, err := decodeUp(op)
	if err != nil {
		return err
	}
	if _, _, err := s.provider(op.Provider); err != nil {
		return err
	}
	if len(s.cfg.AllowedChannels) > 0 && !slices.Contains(s.cfg.AllowedChannels, op.Channel) {
		return refuseText(Concat(Textf("they can ask again in one of: "), Channels(s.cfg.AllowedChannels)),
			Textf("`/spuff up` is no longer allowed in %s, where it was asked", ChannelID(op.Channel)))
	}
	if err := s.checkCloud(req.Channel, op.Provider); err != nil {
		return err
	}
	if req.TTL > s.cfg.MaxLease {
		return refuse("they can ask again with a shorter `--ttl`", "its lease of %s is now longer than the maximum of %s",
			fmtDuration(req.TTL), fmtDuration(s.cfg.MaxLease))
	}
	cat, cached := s.catalogs.cached(op.Provider)
	if !cached {
		if cat, err = s.catalogs.get(ctx, op.Provider); err != nil {
			return fmt.Errorf("recheck %s: %w", op.ID, err)
		}
	}
	if err := s.checkImage(op.Owner, op.Provider, req.Image, cat); err != nil {
		return err
	}
	if req.Resolved {
		sizes, regions := s.allowed(op.Provider, req.Channel)
		if _, err := restrict(cat, sizes, regions, req.Size, req.Region); err != nil {
			return err
		}
	} else { // accepted before the catalog was at hand: resolve it as the run will
		r := req
		if err := s.resolve(ctx, cat, op.Provider, op.Owner, &r); err != nil {
			return err
		}
		req.Size, req.Region, req.Price, req.Resolved = r.Size, r.Region, r.Price, true
	}
	if err := s.checkQuota(ctx, op.Owner, UserID(op.Owner), op.Instance); err != nil {
		return err
	}
	if req.OverBudget {
		return nil // the approver is asked precisely to let it go over
	}
	return s.recheckBudget(ctx, op, req)
}

// recheckBudget refuses a request that would now take its requester over
// their monthly budget.
func (s *Service) recheckBudget(ctx context.Context, op *store.Operation, req upRequest) error {
	b := s.cfg.Budget
	if b.MonthlyUSD <= 0 {
		return nil
	}
	spent, err := s.spentThisMonth(ctx, op.Owner)
	if err != nil {
		return err
	}
	projected := spent + req.Price*req.TTL.Hours()
	if projected <= b.MonthlyUSD {
		return nil
	}
	return refuseText(Textf("they can ask again with a smaller size or a shorter `--ttl`"),
		Textf("it would now bring %s's spending this month to $%.2f, over their budget of $%.2f (spent so far: $%.2f)",
			UserID(op.Owner), projected, b.MonthlyUSD, spent))
}
