package digitalocean

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/digitalocean/godo"

	"github.com/spuffbot/spuffbot/providers"
)

// snapshotPrefix starts the name of every snapshot spuff makes.
const snapshotPrefix = "spuff-"

// CreateSnapshot snapshots a droplet with a snapshot action, waits for the
// action to complete and returns the snapshot. The name gets a "spuff-"
// prefix when it lacks one. A snapshot request whose reply was lost is not
// repeated (a second request would make a second snapshot); its snapshot
// shows up in ListSnapshots once made.
//
// A snapshot action takes no tags, so the snapshot (an image) is tagged
// afterwards with the spuff tag and the request's labels as "key:value"
// tags, the owner among them. A snapshot whose tagging failed is still
// returned, without its owner: spuff made it, its name says so.
func (p *Provider) CreateSnapshot(ctx context.Context, req providers.SnapshotRequest) (*providers.Snapshot, error) {
	const op = "create snapshot"
	instanceID, name := req.InstanceID, req.Name
	n, ok := numericID(instanceID)
	if !ok {
		return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound, Message: fmt.Sprintf("no droplet %q", instanceID)}
	}
	name = snapshotName(name, instanceID, p.now())
	var act *godo.Action
	err := p.call(ctx, retryUnserved, func() (err error) {
		act, err = p.api.snapshotDroplet(ctx, n, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := p.waitAction(ctx, act); err != nil {
		return nil, err
	}
	snaps, err := p.listSnapshots(ctx, func(s *godo.Snapshot) bool {
		return s.ResourceID == instanceID && s.Name == name
	})
	if err != nil {
		return nil, err
	}
	if len(snaps) == 0 {
		return nil, fmt.Errorf("digitalocean: %s: action %d completed but snapshot %q is not listed", op, act.ID, name)
	}
	newest := snaps[0]
	for _, s := range snaps[1:] {
		if s.Created.After(newest.Created) {
			newest = s
		}
	}
	tags := labelsToTags(req.Labels)
	for _, tag := range tags {
		if err := p.call(ctx, retryIdempotent, func() error { return p.api.tagImage(ctx, tag, newest.ID) }); err != nil {
			p.log.WarnContext(ctx, "snapshot made but not tagged", "provider", Name, "snapshot", newest.ID, "err", err)
			return &newest, nil
		}
	}
	newest.Owner = tagsToLabels(tags)[providers.LabelOwner]
	return &newest, nil
}

// waitAction polls an action until it has completed or errored.
func (p *Provider) waitAction(ctx context.Context, act *godo.Action) error {
	const op = "wait for action"
	pl := p.newPoller()
	for {
		switch act.Status {
		case godo.ActionCompleted:
			return nil
		case "errored":
			return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrFailed,
				Message: fmt.Sprintf("%s action %d on droplet %d errored", act.Type, act.ID, act.ResourceID)}
		}
		if err := pl.wait(ctx, 0); err != nil {
			return fmt.Errorf("digitalocean: %s: %s action %d: %w", op, act.Type, act.ID, err)
		}
		var next *godo.Action
		err := p.call(ctx, retryIdempotent, func() (err error) {
			next, err = p.api.getAction(ctx, act.ID)
			return err
		})
		switch {
		case err != nil && !transient(err):
			return err
		case err != nil:
			p.log.WarnContext(ctx, "action poll failed, will poll again", "provider", Name, "action", act.ID, "err", err)
		default:
			act = next
		}
	}
}

// ListSnapshots returns spuff's droplet snapshots: those named with the
// "spuff-" prefix or tagged spuff.
func (p *Provider) ListSnapshots(ctx context.Context) ([]providers.Snapshot, error) {
	return p.listSnapshots(ctx, func(*godo.Snapshot) bool { return true })
}

// listSnapshots returns spuff's snapshots for which keep is true.
func (p *Provider) listSnapshots(ctx context.Context, keep func(*godo.Snapshot) bool) ([]providers.Snapshot, error) {
	return listAll(ctx, p, p.api.listDropletSnapshots, func(s *godo.Snapshot) (providers.Snapshot, bool) {
		if !isSpuffSnapshot(s) || !keep(s) {
			return providers.Snapshot{}, false
		}
		return toSnapshot(s), true
	})
}

// DeleteSnapshot deletes one of spuff's snapshots. A snapshot that is
// already gone is success; one that is not spuff's is refused with
// ErrNotManaged.
func (p *Provider) DeleteSnapshot(ctx context.Context, id string) error {
	const op = "delete snapshot"
	if _, ok := numericID(id); !ok {
		return nil // not a snapshot id, so no such snapshot
	}
	var s *godo.Snapshot
	err := p.call(ctx, retryIdempotent, func() (err error) {
		s, err = p.api.getSnapshot(ctx, id)
		return err
	})
	if notFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !isSpuffSnapshot(s) {
		return notManaged(op, "snapshot %s (%s) was not made by spuff", id, s.Name)
	}
	err = p.call(ctx, retryIdempotent, func() error { return p.api.deleteSnapshot(ctx, id) })
	if err != nil && !notFound(err) {
		return err
	}
	return nil
}

// snapshotName sanitises name and gives it the spuff- prefix; an empty
// name becomes spuff-<instance>-<unix time>.
func snapshotName(name, instanceID string, now time.Time) string {
	name = strings.TrimSpace(name)
	if name == "" {
		name = instanceID + "-" + strconv.FormatInt(now.Unix(), 10)
	}
	if !strings.HasPrefix(name, snapshotPrefix) {
		name = snapshotPrefix + name
	}
	return truncate(name, 255)
}

func isSpuffSnapshot(s *godo.Snapshot) bool {
	return strings.HasPrefix(s.Name, snapshotPrefix) || hasTag(s.Tags, managedTag)
}

func toSnapshot(s *godo.Snapshot) providers.Snapshot {
	out := providers.Snapshot{ID: s.ID, Name: s.Name, SizeGB: s.SizeGigaBytes, Regions: s.Regions,
		Owner: tagsToLabels(s.Tags)[providers.LabelOwner]}
	if t, err := time.Parse(time.RFC3339, s.Created); err == nil {
		out.Created = t
	}
	return out
}
