package demo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spuffbot/spuffbot/providers"
)

// snapshot is the demo cloud's record of a saved disk image; it is guarded
// by Provider.mu.
type snapshot struct {
	providers.Snapshot
	seq    int // creation order
	labels map[string]string
}

// view returns the snapshot as the cloud reports it.
func (s *snapshot) view() providers.Snapshot {
	v := s.Snapshot
	v.Regions = slices.Clone(s.Regions)
	v.Owner = s.labels[providers.LabelOwner]
	return v
}

// CreateSnapshot saves the disk of an instance. Snapshots of the demo cloud
// are ready at once and usable in every region; their size is the disk
// space the instance uses; they keep the request's labels (the owner
// among them). An unknown instance is providers.ErrNotFound, a
// missing name providers.ErrInvalid.
func (p *Provider) CreateSnapshot(ctx context.Context, req providers.SnapshotRequest) (*providers.Snapshot, error) {
	instanceID, name := req.InstanceID, req.Name
	if err := p.begin(ctx, OpCreateSnapshot); err != nil {
		return nil, err
	}
	if strings.TrimSpace(name) == "" {
		return nil, invalid(OpCreateSnapshot, "a snapshot needs a name")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.instances[instanceID]
	if !ok {
		return nil, notFound(OpCreateSnapshot, "instance %q does not exist", instanceID)
	}
	v := p.newSnapshot(name, in.diskGB, managedLabels(req.Labels)).view()
	return &v, nil
}

// newSnapshot records a snapshot; the caller holds p.mu.
func (p *Provider) newSnapshot(name string, sizeGB float64, labels map[string]string) *snapshot {
	p.lastSnap++
	s := &snapshot{
		Snapshot: providers.Snapshot{
			ID:      fmt.Sprintf("demo-snap-%d", p.lastSnap),
			Name:    name,
			SizeGB:  sizeGB,
			Created: p.now().Round(0),
			Regions: slugsOf(regions),
		},
		seq:    p.lastSnap,
		labels: labels,
	}
	p.snapshots[s.ID] = s
	p.changed()
	return s
}

// ListSnapshots returns the snapshots spuff made, oldest first.
func (p *Provider) ListSnapshots(ctx context.Context) ([]providers.Snapshot, error) {
	if err := p.begin(ctx, OpListSnapshots); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	found := slices.Collect(maps.Values(p.snapshots))
	found = slices.DeleteFunc(found, func(s *snapshot) bool { return !managed(s.labels) })
	slices.SortFunc(found, func(a, b *snapshot) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]providers.Snapshot, len(found))
	for i, s := range found {
		out[i] = s.view()
	}
	return out, nil
}

// DeleteSnapshot deletes a snapshot; one that does not exist is success.
func (p *Provider) DeleteSnapshot(ctx context.Context, id string) error {
	if err := p.begin(ctx, OpDeleteSnapshot); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	sn, ok := p.snapshots[id]
	if !ok {
		return nil
	}
	if !managed(sn.labels) {
		return &providers.Error{Provider: providerName, Op: "delete snapshot", Kind: providers.ErrNotManaged,
			Message: fmt.Sprintf("snapshot %s was not made by spuff", id)}
	}
	delete(p.snapshots, id)
	p.changed()
	return nil
}

func slugsOf(rs []providers.Region) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Slug
	}
	return out
}
