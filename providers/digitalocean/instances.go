package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/digitalocean/godo"

	"github.com/spuffbot/spuffbot/providers"
)

// CreateInstance creates a droplet and returns it as DigitalOcean accepted
// it (status new). The droplet is tagged spuff plus a tag per request label.
//
// A rate-limited create is retried. A create whose outcome is unknown (a
// server error or a lost reply) is retried only after the droplets tagged
// with the request's spuff-op label have been checked for one of the same
// name, which is returned instead when found; without a spuff-op label
// such a create is not retried.
func (p *Provider) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	img, err := dropletImage(req.Image)
	if err != nil {
		return nil, err
	}
	keys, err := p.sshKeys(ctx, req.SSHKeys)
	if err != nil {
		return nil, err
	}
	dreq := &godo.DropletCreateRequest{
		Name:     dropletName(req.Name),
		Region:   req.Region,
		Size:     req.Size,
		Image:    img,
		SSHKeys:  keys,
		UserData: req.UserData,
		Tags:     labelsToTags(req.Labels),
	}
	op := opTag(req.Labels)
	for attempt := 0; ; attempt++ {
		d, err := p.api.createDroplet(ctx, dreq)
		if err == nil {
			inst := toInstance(d)
			return &inst, nil
		}
		var te *transientError
		unknown := errors.As(err, &te)
		wait, retry := p.retryWait(err, op != "", attempt)
		if !retry {
			return nil, err
		}
		p.log.DebugContext(ctx, "retrying create", "provider", Name, "attempt", attempt+1, "wait", wait, "err", err)
		if serr := sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("%w (stopped retrying: %w)", err, serr)
		}
		if !unknown {
			continue
		}
		found, ferr := p.findCreated(ctx, op, dreq.Name)
		if ferr != nil {
			return nil, fmt.Errorf("%w (looking for the droplet by tag %s: %w)", err, op, ferr)
		}
		if found != nil {
			p.log.InfoContext(ctx, "create outcome found by tag", "provider", Name, "instance", found.ID, "op", req.Labels[providers.LabelOp])
			return found, nil
		}
	}
}

// findCreated returns the oldest droplet named name that carries tag (an
// operation may create several droplets), or nil when there is none.
func (p *Provider) findCreated(ctx context.Context, tag, name string) (*providers.Instance, error) {
	insts, err := p.listByTag(ctx, tag)
	if err != nil {
		return nil, err
	}
	var found *providers.Instance
	for i := range insts {
		if insts[i].Name == name && (found == nil || insts[i].Created.Before(found.Created)) {
			found = &insts[i]
		}
	}
	return found, nil
}

// GetInstance returns the droplet with id, or nil, nil when there is none.
func (p *Provider) GetInstance(ctx context.Context, id string) (*providers.Instance, error) {
	n, ok := numericID(id)
	if !ok {
		return nil, nil
	}
	var d *godo.Droplet
	err := p.call(ctx, retryIdempotent, func() (err error) {
		d, err = p.api.getDroplet(ctx, n)
		return err
	})
	if notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	inst := toInstance(d)
	return &inst, nil
}

// ListInstances returns every droplet tagged spuff, across all pages.
func (p *Provider) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	return p.listByTag(ctx, managedTag)
}

func (p *Provider) listByTag(ctx context.Context, tag string) ([]providers.Instance, error) {
	return listAll(ctx, p, func(ctx context.Context, opt *godo.ListOptions) ([]godo.Droplet, bool, error) {
		return p.api.listDropletsByTag(ctx, tag, opt)
	}, func(d *godo.Droplet) (providers.Instance, bool) {
		if !hasTag(d.Tags, tag) {
			return providers.Instance{}, false
		}
		return toInstance(d), true
	})
}

// DestroyInstance deletes a droplet spuff manages. A droplet that is
// already gone is success; one without the spuff tag is refused with
// ErrNotManaged.
func (p *Provider) DestroyInstance(ctx context.Context, id string) error {
	const op = "destroy instance"
	inst, err := p.GetInstance(ctx, id)
	if err != nil || inst == nil {
		return err
	}
	if inst.Labels[providers.LabelManagedBy] != providers.ManagedByValue {
		return notManaged(op, "droplet %s (%s) is not managed by spuff", inst.ID, inst.Name)
	}
	n, _ := numericID(id)
	err = p.call(ctx, retryIdempotent, func() error { return p.api.deleteDroplet(ctx, n) })
	if err != nil && !notFound(err) {
		return err
	}
	return nil
}

// WaitReady polls the droplet until it is active with a public IPv4 and
// returns it. Polls start at PollInterval and back off; rate limits and
// transient failures are waited out. It returns ctx's error when ctx ends,
// and ErrNotFound when the droplet disappears.
func (p *Provider) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	const op = "wait ready"
	pl := p.newPoller()
	for {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("digitalocean: %s: droplet %s: %w", op, id, err)
		}
		inst, err := p.GetInstance(ctx, id)
		var atLeast time.Duration
		switch {
		case err != nil && !transient(err):
			return nil, err
		case err != nil:
			atLeast, _ = providers.RetryAfter(err)
			p.log.WarnContext(ctx, "poll failed, will poll again", "provider", Name, "instance", id, "err", err)
		case inst == nil:
			return nil, &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotFound, Message: "droplet " + id + " no longer exists"}
		case inst.Ready():
			return inst, nil
		case inst.Status == providers.StatusArchived:
			return nil, invalid(op, "droplet %s is archived and will not become active", id)
		}
		if err := pl.wait(ctx, min(atLeast, p.maxRetryWait)); err != nil {
			return nil, fmt.Errorf("digitalocean: %s: droplet %s: %w", op, id, err)
		}
	}
}

// numericID parses a droplet or snapshot id; ok is false for text that cannot be one.
func numericID(id string) (int, bool) {
	n, err := strconv.Atoi(id)
	return n, err == nil && n > 0
}

// toInstance converts a droplet.
func toInstance(d *godo.Droplet) providers.Instance {
	inst := providers.Instance{
		ID:     strconv.Itoa(d.ID),
		Name:   d.Name,
		Status: status(d.Status),
		Size:   d.SizeSlug,
		Labels: tagsToLabels(d.Tags),
	}
	inst.IP, _ = d.PublicIPv4()
	if d.Region != nil {
		inst.Region = d.Region.Slug
	}
	if inst.Size == "" && d.Size != nil {
		inst.Size = d.Size.Slug
	}
	if t, err := time.Parse(time.RFC3339, d.Created); err == nil {
		inst.Created = t
	}
	return inst
}

func status(s string) providers.Status {
	switch s {
	case "new":
		return providers.StatusNew
	case "active":
		return providers.StatusActive
	case "off":
		return providers.StatusOff
	case "archive":
		return providers.StatusArchived
	default:
		return providers.StatusUnknown
	}
}
