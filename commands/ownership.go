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
// spuffbot. The snapshot carries its maker at the cloud (the spuff-owner
// label that the snapshot create, or the down --snapshot, recorded on it:
// Snapshot.Owner); a snapshot made before spuffbot labelled its owner has
// none, and its maker is the owner of the operation that made it, as the
// journal recorded it (which is why Prune keeps those operations). A
// custom image id may be booted by an admin, or by anyone when
// Config.AllowedImages lists it; the cloud's public distribution images
// (its catalog's) are everyone's.

// journalSnapshotOwners maps each snapshot spuffbot made, as provider +
// "/" + snapshot id, to the owner of the operation that made it, as the
// journal recorded it.
func (s *Service) journalSnapshotOwners(ctx context.Context) (map[string]string, error) {
	ops, err := s.store.ListOperations(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("snapshot owners: %w", err)
	}
	owners := make(map[string]string)
	for _, op := range ops {
		if madeSnapshot(&op) {
			owners[op.Provider+"/"+op.SnapshotID] = op.Owner
		}
	}
	return owners, nil
}

// madeSnapshot reports whether op made a snapshot: a snapshot create, or
// a down --snapshot, with the snapshot's id journaled.
func madeSnapshot(op *store.Operation) bool {
	return op.SnapshotID != "" && (op.Kind == store.OpSnapshotCreate || op.Kind == store.OpDown)
}

// snapshotOwners maps the id of each snapshot of list, which provider
// listed, to who made it: its owner label, else (a snapshot made before
// owners were labelled) the journal's record. The journal is read only
// when list holds a snapshot without an owner label. A snapshot that
// neither names has no entry.
func (s *Service) snapshotOwners(ctx context.Context, provider string, list []providers.Snapshot) (map[string]string, error) {
	owners := make(map[string]string, len(list))
	unlabelled := false
	for _, sn := range list {
		if sn.Owner != "" {
			owners[sn.ID] = sn.Owner
		} else {
			unlabelled = true
		}
	}
	if !unlabelled {
		return owners, nil
	}
	journal, err := s.journalSnapshotOwners(ctx)
	if err != nil {
		return nil, err
	}
	for _, sn := range list {
		if o, ok := journal[provider+"/"+sn.ID]; ok && sn.Owner == "" {
			owners[sn.ID] = o
		}
	}
	return owners, nil
}

// ownSnapshots returns the snapshots of list that user may boot or see as
// theirs: those they made, or all of them for an admin.
func (s *Service) ownSnapshots(ctx context.Context, user, provider string, list []providers.Snapshot) ([]providers.Snapshot, error) {
	if s.IsAdmin(user) {
		return list, nil
	}
	owners, err := s.snapshotOwners(ctx, provider, list)
	if err != nil {
		return nil, err
	}
	out := make([]providers.Snapshot, 0, len(list))
	for _, sn := range list {
		if owners[sn.ID] == user {
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
	names := []string{"ubuntu-24.04", "debian-12"}
	for _, id := range ok {
		if !slices.Contains(names, id) {
			names = append(names, id)
		}
	}
	hint := fmt.Sprintf("use one of %s, or `--snapshot` with one of your snapshots; an admin can allow more images (images.allowed)",
		joinCode(firstN(names, 12)))
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
