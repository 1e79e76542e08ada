package commands

import (
	"context"
	"errors"
	"fmt"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// AdoptOrphan gives the orphan cloudID at provider an owner: it records it
// in the store as a ready instance of owner, under its cloud name (made
// unique if that is taken), with a lease of Config.DefaultLease from now,
// and tells the admins (EventOrphanAdopted). Only an admin may adopt, and
// only a VM that still carries spuff's labels and that spuffbot does not
// track already.
func (s *Service) AdoptOrphan(ctx context.Context, provider, cloudID, owner, actor string) (*store.Instance, error) {
	if owner == "" {
		return nil, refuse("", "an adopted instance needs an owner")
	}
	o, err := s.orphanAt(ctx, provider, cloudID, actor, "adopt")
	if err != nil {
		return nil, err
	}
	ci := &o.Instance
	name := ci.Name
	if grammar.CheckName(name) != nil {
		name = instanceName(owner)
	}
	if in, err := s.store.GetInstance(ctx, name); err == nil && in.Status.Live() {
		name = instanceName(name)
	}
	now := s.cfg.Now()
	created := ci.Created
	if created.IsZero() {
		created = now
	}
	in := store.Instance{
		Name: name, Provider: provider, CloudID: ci.ID, Owner: owner,
		Size: ci.Size, Region: ci.Region, IP: ci.IP, PriceHourly: o.PriceHourly,
		Created: created, LeaseExpiry: now.Add(s.cfg.DefaultLease), Status: store.InstanceReady,
	}
	if err := s.store.CreateInstance(ctx, in); err != nil {
		return nil, fmt.Errorf("adopt %s: %w", ci.ID, err)
	}
	s.orphans.forget(provider, cloudID)
	s.audit(ctx, actor, "adopt", name, "ok: "+Label(provider)+" "+ci.ID+" for "+owner, "")
	s.notifyOrphan(ctx, EventOrphanAdopted, o, &in, actor)
	return &in, nil
}

// DestroyOrphan destroys the orphan cloudID at provider and tells the
// admins (EventOrphanDestroyed). Only an admin may, and only a VM that
// still carries spuff's labels and that spuffbot does not track as live:
// an instance someone owns is destroyed with /spuff down.
func (s *Service) DestroyOrphan(ctx context.Context, provider, cloudID, actor string) error {
	o, err := s.orphanAt(ctx, provider, cloudID, actor, "destroy")
	if err != nil {
		return err
	}
	return s.destroyOrphan(ctx, o, actor)
}

// destroyOrphan destroys o at its cloud on behalf of actor.
func (s *Service) destroyOrphan(ctx context.Context, o Orphan, actor string) error {
	if err := s.providers[o.Provider].DestroyInstance(ctx, o.Instance.ID); err != nil {
		return err
	}
	s.orphans.forget(o.Provider, o.Instance.ID)
	s.orphans.destroyedByUs(o.Provider, o.Instance.ID, s.cfg.Now())
	s.audit(ctx, actor, "destroy-orphan", o.Instance.Name, "ok: "+Label(o.Provider)+" "+o.Instance.ID, "")
	s.notifyOrphan(ctx, EventOrphanDestroyed, o, nil, actor)
	return nil
}

// orphanAt checks that actor may verb the orphan cloudID at provider, and
// that it is one, and returns it as the cloud has it now.
func (s *Service) orphanAt(ctx context.Context, provider, cloudID, actor, verb string) (Orphan, error) {
	if !s.IsAdmin(actor) {
		s.audit(ctx, actor, verb+"-orphan", cloudID, "refused: not an admin", "")
		return Orphan{}, refuseText(Concat(Textf("ask one of: "), Users(s.cfg.Admins)), Textf("only admins can %s orphans", verb))
	}
	p, ok := s.providers[provider]
	if !ok {
		return Orphan{}, refuse("", "cloud `%s` is not configured", provider)
	}
	ci, err := p.GetInstance(ctx, cloudID)
	if err != nil {
		return Orphan{}, err
	}
	if ci == nil {
		s.orphans.forget(provider, cloudID)
		return Orphan{}, refuse("", "%s instance `%s` is already gone", Label(provider), cloudID)
	}
	if ci.Labels[providers.LabelManagedBy] != providers.ManagedByValue {
		return Orphan{}, refuse("", "%s instance `%s` does not carry spuff's labels; spuffbot leaves it alone", Label(provider), cloudID)
	}
	live, err := s.store.ListInstances(ctx, store.InstanceFilter{Provider: provider, LiveOnly: true})
	if err != nil {
		return Orphan{}, fmt.Errorf("%s orphan %s: %w", verb, cloudID, err)
	}
	for _, in := range live {
		if in.CloudID == cloudID {
			return Orphan{}, refuseText(Textf("its owner or an admin can use `/spuff down %s`", in.Name),
				Textf("%s instance `%s` is `%s`, owned by %s; it is not an orphan", Label(provider), cloudID, in.Name, UserID(in.Owner)))
		}
	}
	if opID := ci.Labels[providers.LabelOp]; opID != "" {
		op, err := s.store.GetOperation(ctx, opID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Orphan{}, fmt.Errorf("%s orphan %s: %w", verb, cloudID, err)
		}
		if err == nil && op.Kind == store.OpUp && !op.State.Final() {
			return Orphan{}, refuse("wait for it to finish", "%s instance `%s` is still being created", Label(provider), cloudID)
		}
	}
	return s.orphan(ctx, provider, ci, s.cfg.Now()), nil
}
