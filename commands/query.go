package commands

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

func (s *Service) list(ctx context.Context, c Caller, cmd grammar.Command) (Reply, error) {
	f := store.InstanceFilter{Owner: c.User, LiveOnly: true}
	if cmd.All {
		f.Owner = ""
	}
	list, err := s.store.ListInstances(ctx, f)
	if err != nil {
		return Reply{}, fmt.Errorf("list instances: %w", err)
	}
	r := Reply{Instances: make([]InstanceView, 0, len(list))}
	for _, in := range list {
		r.Instances = append(r.Instances, s.view(in))
	}
	if len(list) == 0 {
		r.Text = "You have no instances. Create one with `/spuff up`."
		if cmd.All {
			r.Text = "Nobody has any instances running."
		}
	}
	return r, nil
}

func (s *Service) status(ctx context.Context, c Caller, cmd grammar.Command) (Reply, error) {
	in, err := s.store.GetInstance(ctx, cmd.Name)
	if errors.Is(err, store.ErrNotFound) {
		return Reply{}, refuse("see yours with `/spuff list`", "there is no instance named `%s`", cmd.Name)
	}
	if err != nil {
		return Reply{}, fmt.Errorf("status %s: %w", cmd.Name, err)
	}
	return Reply{Instances: []InstanceView{s.view(*in)}}, nil
}

func (s *Service) extend(ctx context.Context, c Caller, cmd grammar.Command) (Reply, error) {
	in, err := s.ownedInstance(ctx, c, cmd.Name, "extend")
	if err != nil {
		return Reply{}, err
	}
	in, capped, err := s.Extend(ctx, in.Name, c.User, cmd.TTL)
	if err != nil {
		return Reply{}, err
	}
	text := fmt.Sprintf("`%s` now runs until %s.", in.Name, in.LeaseExpiry.UTC().Format("Mon 15:04 MST"))
	if capped {
		text += fmt.Sprintf(" That is the maximum lease of %s from now.", fmtDuration(s.cfg.MaxLease))
	}
	return Reply{Text: text, Instances: []InstanceView{s.view(*in)}}, nil
}

// Extend moves the lease of instance name by d, capped at the maximum lease
// from now, and reports whether the cap applied. The caller has checked
// that actor may do it.
func (s *Service) Extend(ctx context.Context, name, actor string, d time.Duration) (*store.Instance, bool, error) {
	now := s.cfg.Now()
	limit := now.Add(s.cfg.MaxLease)
	capped := false
	in, err := s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		capped = false // a store may run fn again on a fresh copy
		if !in.Status.Live() {
			return refuse("", "`%s` is gone", in.Name)
		}
		from := in.LeaseExpiry
		if from.Before(now) {
			from = now
		}
		next := from.Add(d)
		if next.After(limit) {
			next, capped = limit, true
		}
		in.LeaseExpiry, in.WarnedAt = next, time.Time{}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	s.audit(ctx, actor, "extend", name, "ok: until "+in.LeaseExpiry.UTC().Format(time.RFC3339), "")
	return in, capped, nil
}

func (s *Service) sizes(ctx context.Context, cmd grammar.Command) (Reply, error) {
	pname, _, err := s.provider(cmd.Provider)
	if err != nil {
		return Reply{}, err
	}
	build := func(ctx context.Context) (Reply, error) {
		cat, err := s.catalogs.get(ctx, pname)
		if err != nil {
			return Reply{}, err
		}
		d := s.cfg.Defaults[pname]
		v := &SizesView{Provider: pname, ProviderLabel: Label(pname), Regions: cat.Regions,
			Sizes: availableSizes(cat, ""), Estimated: cat.PricesEstimated, DefaultSize: d.Size, DefaultRegion: d.Region}
		if v.DefaultSize == "" && len(v.Sizes) > 0 {
			v.DefaultSize = v.Sizes[0].Slug
		}
		return Reply{Sizes: v}, nil
	}
	if _, ok := s.catalogs.cached(pname); ok {
		return build(ctx)
	}
	return Reply{Text: "Looking up sizes…", Followup: build}, nil
}
