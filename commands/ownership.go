package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// Who may use what: a snapshot belongs to whoever made it through
// spuffbot, as the journal recorded it (the snapshot create, or the down
// --snapshot, that made it); a custom image id may be booted by an admin,
// or by anyone when Config.AllowedImages lists it; the cloud's public
// distribution images (its catalog's) are everyone's.

// snapshotOwners maps each snapshot spuffbot made, as provider + "/" +
// snapshot id, to who made it.
func (s *Service) snapshotOwners(ctx context.Context) (map[string]string, error) {
	ops, err := s.store.ListOperations(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("snapshot owners: %w", err)
	}
	owners := make(map[string]string)
	for _, op := range ops {
		if op.SnapshotID == "" || (op.Kind != store.OpSnapshotCreate && op.Kind != store.OpDown) {
			continue
		}
		owners[op.Provider+"/"+op.SnapshotID] = op.Owner
	}
	return owners, nil
}

// ownSnapshots returns the snapshots of list that user may boot or see as
// theirs: those they made, or all of them for an admin.
func (s *Service) ownSnapshots(ctx context.Context, user, provider string, list []providers.Snapshot) ([]providers.Snapshot, error) {
	if s.IsAdmin(user) {
		return list, nil
	}
	owners, err := s.snapshotOwners(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Snapshot, 0, len(list))
	for _, sn := range list {
		if owners[provider+"/"+sn.ID] == user {
			out = append(out, sn)
		}
	}
	return out, nil
}

// imageAllowed reports whether user may boot image on provider: a public
// image (Ubuntu, Debian, or one of the catalog's), an id of the
// allow-list, or anything for an admin. cat may be nil when the catalog
// is not at hand; decided is then false for a custom id that neither the
// allow-list nor the user's role settles.
func (s *Service) imageAllowed(user, provider string, image providers.ImageSpec, cat *providers.Catalog) (allowed, decided bool) {
	if image.Kind != providers.ImageCustom || s.IsAdmin(user) || s.allowListed(provider, image.ID) {
		return true, true
	}
	if cat == nil {
		return false, false
	}
	return slices.ContainsFunc(cat.Images, func(im providers.Image) bool { return im.Slug == image.ID }), true
}

// allowListed reports whether Config.AllowedImages lists id for provider:
// as "id" (any cloud) or "provider:id".
func (s *Service) allowListed(provider, id string) bool {
	return slices.Contains(s.cfg.AllowedImages, id) || slices.Contains(s.cfg.AllowedImages, provider+":"+id)
}

// imageRefusal says why image may not be booted, and what may.
func (s *Service) imageRefusal(provider string, image providers.ImageSpec, cat *providers.Catalog) error {
	var ok []string
	if cat != nil {
		for _, im := range cat.Images {
			ok = append(ok, im.Slug)
		}
	}
	for _, id := range s.cfg.AllowedImages {
		if p, rest, found := strings.Cut(id, ":"); !found {
			ok = append(ok, id)
		} else if p == provider {
			ok = append(ok, rest)
		}
	}
	hint := "use `ubuntu-24.04` or `debian-12`"
	if len(ok) > 0 {
		hint = fmt.Sprintf("use `ubuntu-24.04`, `debian-12` or one of %s", joinCode(firstN(ok, 12)))
	}
	hint += ", or `--snapshot` with one of your snapshots; an admin can allow more images (images.allowed)"
	return refuse(hint, "image `%s` is not one %s offers to everyone, nor on spuffbot's list of allowed images", image.ID, Label(provider))
}

// checkImage refuses an image user may not boot. With no catalog at hand
// it lets an undecided custom id through; the run checks it again with
// the catalog.
func (s *Service) checkImage(user, provider string, image providers.ImageSpec, cat *providers.Catalog) error {
	if allowed, decided := s.imageAllowed(user, provider, image, cat); allowed || !decided {
		return nil
	}
	return s.imageRefusal(provider, image, cat)
}

func firstN(ss []string, n int) []string {
	if len(ss) > n {
		return ss[:n]
	}
	return ss
}
