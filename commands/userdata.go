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
	if image.Kind == providers.ImageSnapshot {
		if image.ID, err = resolveSnapshot(ctx, p, image.ID); err != nil {
			return providers.InstanceRequest{}, err
		}
	}
	return providers.InstanceRequest{
		Name: op.Instance, Region: req.Region, Size: req.Size, Image: image, UserData: userData,
		Labels:  map[string]string{providers.LabelOwner: op.Owner, providers.LabelOp: op.ID},
		SSHKeys: pubs,
	}, nil
}

// resolveSnapshot turns a snapshot id or name (with or without the
// "spuff-" prefix spuffbot gives its snapshots) into the cloud's id.
func resolveSnapshot(ctx context.Context, p providers.Provider, ref string) (string, error) {
	list, err := p.ListSnapshots(ctx)
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
	hint := "see them with `/spuff snapshot list`"
	if len(names) == 0 {
		hint = "there are no snapshots yet; make one with `/spuff snapshot create <name>`"
	}
	return "", refuse(hint, "there is no snapshot `%s`", ref)
}
