package demo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// instance is the demo cloud's record of a VM. It is guarded by Provider.mu
// except for gone, which is closed when the instance is deleted.
type instance struct {
	providers.Instance     // IP and Status are filled in by view
	seq                int // creation order
	host               int // number in 203.0.113.0/24
	readyAt            time.Time
	diskGB             float64       // disk space in use, the size of a snapshot
	busyFor            time.Duration // how long it is busy after it is created
	loads              []loadChange  // loads set by SetLoad, oldest first
	gone               chan struct{}
}

// view returns the instance as the cloud reports it at now.
func (in *instance) view(now time.Time) providers.Instance {
	v := in.Instance
	v.Labels = maps.Clone(in.Labels)
	v.Status = providers.StatusNew
	if !now.Before(in.readyAt) {
		v.Status = providers.StatusActive
		v.IP = ipv4(in.host)
	}
	return v
}

// newInstance records an instance built from base; the caller holds p.mu.
func (p *Provider) newInstance(base providers.Instance, host int, created, readyAt time.Time, diskGB float64) *instance {
	p.lastID++
	base.ID = fmt.Sprintf("demo-%d", p.lastID)
	base.Created = created.Round(0)
	in := &instance{
		Instance: base,
		seq:      p.lastID,
		host:     host,
		readyAt:  readyAt,
		diskGB:   diskGB,
		busyFor:  p.busyFor,
		gone:     make(chan struct{}),
	}
	p.instances[in.ID] = in
	p.changed()
	return in
}

// deleteInstance removes an instance and reports whether it existed; the
// caller holds p.mu.
func (p *Provider) deleteInstance(id string) bool {
	in, ok := p.instances[id]
	if !ok {
		return false
	}
	delete(p.instances, id)
	p.ips.release(in.host)
	close(in.gone)
	p.changed()
	return true
}

// CreateInstance creates an instance that becomes active after
// Config.ReadyAfter. An unknown size, region or image, a size not offered in
// the region, or a missing name is an error of kind providers.ErrInvalid
// that lists the valid choices; a full address range is providers.ErrQuota.
func (p *Provider) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	if err := p.begin(ctx, OpCreateInstance); err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, invalid(OpCreateInstance, "an instance needs a name")
	}
	if err := checkPlacement(req.Size, req.Region); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	diskGB, err := p.imageDiskGB(req.Image)
	if err != nil {
		return nil, err
	}
	host, ok := p.ips.take()
	if !ok {
		return nil, &providers.Error{
			Provider: providerName,
			Op:       opText[OpCreateInstance],
			Kind:     providers.ErrQuota,
			Message:  fmt.Sprintf("all %d public IPv4 addresses are in use", hosts),
			Hint:     "destroy an instance first",
		}
	}
	now := p.now()
	in := p.newInstance(providers.Instance{
		Name:   req.Name,
		Region: req.Region,
		Size:   req.Size,
		Labels: managedLabels(req.Labels),
	}, host, now, now.Add(p.readyAfter), diskGB)
	v := in.view(now)
	return &v, nil
}

// imageDiskGB checks an image spec and returns the disk space the image
// uses; the caller holds p.mu.
func (p *Provider) imageDiskGB(spec providers.ImageSpec) (float64, error) {
	if spec.Kind == providers.ImageSnapshot {
		s, ok := p.snapshots[spec.ID]
		if !ok {
			return 0, invalid(OpCreateInstance, "unknown snapshot %q", spec.ID)
		}
		return s.SizeGB, nil
	}
	slug, err := imageSlug(spec)
	if err != nil {
		return 0, err
	}
	return imageDiskGB[slug], nil
}

// DestroyInstance deletes an instance; one that does not exist is success.
func (p *Provider) DestroyInstance(ctx context.Context, id string) error {
	if err := p.begin(ctx, OpDestroyInstance); err != nil {
		return err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if in, ok := p.instances[id]; ok && !managed(in.Labels) {
		return &providers.Error{Provider: providerName, Op: "destroy instance", Kind: providers.ErrNotManaged,
			Message: fmt.Sprintf("instance %s (%s) is not managed by spuff", id, in.Name)}
	}
	p.deleteInstance(id)
	return nil
}

// GetInstance returns an instance, or nil, nil when it does not exist.
func (p *Provider) GetInstance(ctx context.Context, id string) (*providers.Instance, error) {
	if err := p.begin(ctx, OpGetInstance); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	in, ok := p.instances[id]
	if !ok {
		return nil, nil
	}
	v := in.view(p.now())
	return &v, nil
}

// ListInstances returns the instances labelled managed-by=spuff, oldest
// first.
func (p *Provider) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	if err := p.begin(ctx, OpListInstances); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var found []*instance
	for _, in := range p.instances {
		if managed(in.Labels) {
			found = append(found, in)
		}
	}
	slices.SortFunc(found, func(a, b *instance) int { return cmp.Compare(a.seq, b.seq) })
	now := p.now()
	out := make([]providers.Instance, len(found))
	for i, in := range found {
		out[i] = in.view(now)
	}
	return out, nil
}

// WaitReady blocks until the instance is active and returns it. It fails
// with providers.ErrNotFound when the instance does not exist or is deleted
// while it waits, and with ctx's error when ctx ends first.
func (p *Provider) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	if err := p.begin(ctx, OpWaitReady); err != nil {
		return nil, err
	}
	for {
		p.mu.Lock()
		in, ok := p.instances[id]
		if !ok {
			p.mu.Unlock()
			return nil, notFound(OpWaitReady, "instance %q does not exist", id)
		}
		now := p.now()
		v := in.view(now)
		wait := min(in.readyAt.Sub(now), p.poll)
		gone := in.gone
		p.mu.Unlock()
		if v.Ready() {
			return &v, nil
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, fmt.Errorf("%s: %s %s: %w", providerName, opText[OpWaitReady], id, ctx.Err())
		case <-gone:
			timer.Stop()
		case <-timer.C:
		}
	}
}
