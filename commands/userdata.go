package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/spuffbot/spuffbot/cloudinit"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// instanceRequest builds what the cloud is asked for: the owner's keys,
// the cloud-init user data that is the same on every cloud, and a
// snapshot named by its name resolved to its id.
func (s *Service) instanceRequest(ctx context.Context, p providers.Provider, op *store.Operation, req upRequest, in *store.Instance) (providers.InstanceRequest, error) {
	keys, err := s.store.ListKeys(ctx, op.Owner)
	if err != nil {
		return providers.InstanceRequest{}, err
	}
	pubs := make([]string, 0, len(keys))
	for _, k := range keys {
		pubs = append(pubs, k.PublicKey)
	}
	lease := s.cfg.Now().Add(req.TTL)
	if in != nil && !in.LeaseExpiry.IsZero() {
		lease = in.LeaseExpiry
	}
	userData, err := cloudinit.Render(cloudinit.Config{
		Hostname: op.Instance, Owner: op.Owner, OwnerName: req.UserName,
		Keys: pubs, LeaseExpiry: lease, Extra: s.cfg.CloudInit,
	})
	if err != nil {
		return providers.InstanceRequest{}, fmt.Errorf("render cloud-init for %s: %w", op.Instance, err)
	}
	image := req.Image
	switch image.Kind {
	case providers.ImageSnapshot:
		if image.ID, err = s.resolveSnapshot(ctx, p, op, image.ID); err != nil {
			return providers.InstanceRequest{}, err
		}
	case providers.ImageCustom:
		if allowed, _ := s.imageAllowed(op.Owner, op.Provider, image, nil); !allowed {
			cat, err := s.catalogs.get(ctx, op.Provider)
			if err != nil {
				return providers.InstanceRequest{}, fmt.Errorf("check image %s: %w", image.ID, err)
			}
			if err := s.checkImage(op.Owner, op.Provider, image, cat); err != nil {
				return providers.InstanceRequest{}, err
			}
		}
	}
	return providers.InstanceRequest{
		Name: op.Instance, Region: req.Region, Size: req.Size, Image: image, UserData: userData,
		Labels:  map[string]string{providers.LabelOwner: op.Owner, providers.LabelOp: op.ID},
		SSHKeys: pubs,
	}, nil
}

// resolveSnapshot turns a snapshot id or name (with or without the
// "spuff-" prefix spuffbot gives its snapshots) into the cloud's id,
// among the snapshots op's owner may boot: their own, any for an admin.
// Someone else's snapshot is not found, as if it did not exist.
func (s *Service) resolveSnapshot(ctx context.Context, p providers.Provider, op *store.Operation, ref string) (string, error) {
	all, err := p.ListSnapshots(ctx)
	if err != nil {
		return "", fmt.Errorf("look up snapshot %s: %w", ref, err)
	}
	list, err := s.ownSnapshots(ctx, op.Owner, op.Provider, all)
	if err != nil {
		return "", fmt.Errorf("look up snapshot %s: %w", ref, err)
	}
	for _, want := range []func(providers.Snapshot) bool{
		func(sn providers.Snapshot) bool { return sn.ID == ref },
		func(sn providers.Snapshot) bool { return sn.Name == ref || sn.Name == "spuff-"+ref },
	} {
		for _, sn := range list {
			if want(sn) {
				return sn.ID, nil
			}
		}
	}
	names := make([]string, 0, len(list))
	for _, sn := range list {
		names = append(names, strings.TrimPrefix(sn.Name, "spuff-"))
	}
	hint := "yours are: " + joinCode(firstN(names, 12))
	if len(names) == 0 {
		hint = "you have no snapshots yet; make one with `/spuff snapshot create <name>`"
	}
	return "", refuse(hint, "you have no snapshot `%s` on %s; you can boot only your own snapshots", ref, Label(op.Provider))
}
