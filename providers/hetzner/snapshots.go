package hetzner

import (
	"context"
	"fmt"
	"strconv"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
)

// CreateSnapshot makes a snapshot image of the server (create_image, type
// snapshot, labelled managed-by=spuff and with the request's labels,
// described by name) and waits for
// Hetzner's action to finish.
func (p *Provider) CreateSnapshot(ctx context.Context, req providers.SnapshotRequest) (*providers.Snapshot, error) {
	instanceID, name := req.InstanceID, req.Name
	n, ok := serverID(instanceID)
	if !ok {
		return nil, &providers.Error{Provider: Name, Op: "create snapshot", Kind: providers.ErrNotFound,
			Message: fmt.Sprintf("no server %q", instanceID)}
	}
	img, err := p.api.CreateSnapshot(ctx, n, hcloud.ServerCreateImageOpts{
		Type:        hcloud.ImageTypeSnapshot,
		Description: hcloud.Ptr(name),
		Labels:      spuffLabels(req.Labels),
	})
	if err != nil {
		return nil, err
	}
	// The create reply shows the image still creating; read it again for
	// its final size.
	if done, err := p.api.GetImage(ctx, img.ID); err == nil && done != nil {
		img = done
	}
	return snapshot(img), nil
}

// ListSnapshots returns the snapshot images labelled managed-by=spuff.
func (p *Provider) ListSnapshots(ctx context.Context) ([]providers.Snapshot, error) {
	images, err := p.api.ListImages(ctx, hcloud.ImageListOpts{
		ListOpts: hcloud.ListOpts{LabelSelector: managedSelector},
		Type:     []hcloud.ImageType{hcloud.ImageTypeSnapshot},
	})
	if err != nil {
		return nil, err
	}
	out := make([]providers.Snapshot, 0, len(images))
	for _, img := range images {
		if img.Type == hcloud.ImageTypeSnapshot && managed(img.Labels) {
			out = append(out, *snapshot(img))
		}
	}
	return out, nil
}

// DeleteSnapshot deletes one of spuff's snapshots. A snapshot that is gone
// is success; an image that is not spuff's snapshot is left alone
// (ErrNotManaged).
func (p *Provider) DeleteSnapshot(ctx context.Context, id string) error {
	n, ok := serverID(id)
	if !ok {
		return nil
	}
	img, err := p.api.GetImage(ctx, n)
	if err != nil || img == nil {
		return err
	}
	if img.Type != hcloud.ImageTypeSnapshot || !managed(img.Labels) {
		return notManaged("delete snapshot", fmt.Sprintf("image %d is not a snapshot made by spuff", img.ID))
	}
	if err := p.api.DeleteImage(ctx, n); err != nil && !notFound(err) {
		return err
	}
	return nil
}

func snapshot(img *hcloud.Image) *providers.Snapshot {
	return &providers.Snapshot{
		ID:      strconv.FormatInt(img.ID, 10),
		Name:    img.Description,
		SizeGB:  float64(img.ImageSize),
		Created: img.Created,
		Owner:   img.Labels[providers.LabelOwner],
	}
}
