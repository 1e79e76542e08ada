package commands

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// ChannelPolicy narrows what may be created from one channel. Empty lists
// allow everything the cloud's own policy allows.
type ChannelPolicy struct {
	Clouds []string
	Sizes  []string
}

// Budget is the per-person monthly spending limit.
type Budget struct {
	// MonthlyUSD is what one person's VMs may cost in a calendar month
	// (UTC). Zero: no limit.
	MonthlyUSD float64
	// Approve, when set, sends a request that would exceed the budget to
	// the approvers instead of refusing it.
	Approve bool
}

// checkCloud refuses a cloud the channel's policy does not allow.
func (s *Service) checkCloud(channel, provider string) error {
	cp, ok := s.cfg.Channels[channel]
	if !ok || len(cp.Clouds) == 0 || slices.Contains(cp.Clouds, provider) {
		return nil
	}
	return refuse("use `--provider` with one of: "+joinCode(cp.Clouds), "%s is not allowed in this channel", Label(provider))
}

// allowed returns the sizes and regions people may ask for on provider in
// channel: the cloud's lists narrowed by the channel's. Nil means any.
func (s *Service) allowed(provider, channel string) (sizes, regions []string) {
	d := s.cfg.Defaults[provider]
	sizes, regions = d.AllowedSizes, d.AllowedRegions
	if cp, ok := s.cfg.Channels[channel]; ok && len(cp.Sizes) > 0 {
		if sizes == nil {
			sizes = cp.Sizes
		} else {
			var both []string
			for _, sz := range sizes {
				if slices.Contains(cp.Sizes, sz) {
					both = append(both, sz)
				}
			}
			sizes = both
			if sizes == nil {
				sizes = []string{} // nothing is allowed: not "any"
			}
		}
	}
	return sizes, regions
}

// restrict returns cat with only the allowed sizes and regions, refusing
// a size or region the person named that exists but is not allowed.
func restrict(cat *providers.Catalog, sizes, regions []string, size, region string) (*providers.Catalog, error) {
	if sizes != nil && size != "" && !slices.Contains(sizes, size) {
		if _, exists := cat.Size(size); exists {
			return nil, refuse("allowed sizes: "+joinCode(sizes), "size `%s` is not allowed here", size)
		}
	}
	if regions != nil && region != "" && !slices.Contains(regions, region) {
		if _, exists := cat.Region(region); exists {
			return nil, refuse("allowed regions: "+joinCode(regions), "region `%s` is not allowed here", region)
		}
	}
	out := *cat
	if sizes != nil {
		out.Sizes = slices.DeleteFunc(slices.Clone(cat.Sizes), func(s providers.Size) bool { return !slices.Contains(sizes, s.Slug) })
	}
	if regions != nil {
		out.Regions = slices.DeleteFunc(slices.Clone(cat.Regions), func(r providers.Region) bool { return !slices.Contains(regions, r.Slug) })
	}
	return &out, nil
}

// checkBudget reports whether owner would go over the monthly budget with
// a VM at price for ttl, refusing it when over-budget requests are not
// sent for approval.
func (s *Service) checkBudget(ctx context.Context, owner string, price float64, ttl time.Duration) (over bool, err error) {
	b := s.cfg.Budget
	if b.MonthlyUSD <= 0 {
		return false, nil
	}
	spent, err := s.spentThisMonth(ctx, owner)
	if err != nil {
		return false, err
	}
	projected := spent + price*ttl.Hours()
	if projected <= b.MonthlyUSD {
		return false, nil
	}
	if b.Approve {
		return true, nil
	}
	return false, refuse("pick a smaller size or a shorter `--ttl`, or ask an admin",
		"this would bring your spending this month to $%.2f, over your budget of $%.2f (spent so far: $%.2f)",
		projected, b.MonthlyUSD, spent)
}

// spentThisMonth is what owner's VMs cost since the start of the month:
// price times the hours each ran within it (a live VM up to now).
func (s *Service) spentThisMonth(ctx context.Context, owner string) (float64, error) {
	now := s.cfg.Now().UTC()
	start := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	list, err := s.store.ListInstances(ctx, store.InstanceFilter{Owner: owner})
	if err != nil {
		return 0, fmt.Errorf("budget of %s: %w", owner, err)
	}
	total := 0.0
	for _, in := range list {
		if in.CloudID == "" {
			continue // never reached the cloud: cost nothing
		}
		from, to := in.Created, now
		if !in.Status.Live() {
			to = in.Ended
		}
		if from.Before(start) {
			from = start
		}
		if to.After(from) {
			total += in.PriceHourly * to.Sub(from).Hours()
		}
	}
	return total, nil
}
