package hetzner

import (
	"cmp"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hetznercloud/hcloud-go/v2/hcloud"

	"github.com/spuffbot/spuffbot/providers"
)

// Default image versions when an ImageSpec names only the distribution.
const (
	defaultUbuntu = "24.04"
	defaultDebian = "12"
)

// CreateInstance creates a server and returns it as Hetzner accepted it
// (initializing, usually without an IPv4 yet). SSH keys go in through
// cloud-init: when req.UserData is empty and req.SSHKeys is not, a
// cloud-config installing the keys is sent; otherwise the caller's user
// data is sent unchanged.
func (p *Provider) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	const op = "create instance"
	name := hostname(req.Name)
	if name == "" {
		return nil, invalid(op, fmt.Sprintf("instance name %q has no character a hostname may have", req.Name))
	}
	if req.Size == "" {
		return nil, invalid(op, "no size (server type) given")
	}
	image, err := imageFor(req.Image)
	if err != nil {
		return nil, invalid(op, err.Error())
	}
	opts := hcloud.ServerCreateOpts{
		Name:             name,
		ServerType:       &hcloud.ServerType{Name: req.Size},
		Image:            image,
		UserData:         userData(req),
		Labels:           spuffLabels(req.Labels),
		StartAfterCreate: hcloud.Ptr(true),
	}
	if req.Region != "" {
		opts.Location = &hcloud.Location{Name: req.Region}
	}
	s, err := p.api.CreateServer(ctx, opts)
	if err != nil {
		return nil, err
	}
	return instance(s), nil
}

// imageFor maps an ImageSpec to Hetzner's image: system images by name
// (ubuntu-24.04, debian-12), custom images and snapshots by id.
func imageFor(spec providers.ImageSpec) (*hcloud.Image, error) {
	switch spec.Kind {
	case "", providers.ImageUbuntu:
		return &hcloud.Image{Name: "ubuntu-" + cmp.Or(spec.Version, defaultUbuntu)}, nil
	case providers.ImageDebian:
		return &hcloud.Image{Name: "debian-" + cmp.Or(spec.Version, defaultDebian)}, nil
	case providers.ImageCustom, providers.ImageSnapshot:
		if spec.ID == "" {
			return nil, fmt.Errorf("%s image without an id", spec.Kind)
		}
		if id, err := strconv.ParseInt(spec.ID, 10, 64); err == nil && id > 0 {
			return &hcloud.Image{ID: id}, nil
		}
		if spec.Kind == providers.ImageSnapshot {
			return nil, fmt.Errorf("snapshot id %q is not a Hetzner image id (a number)", spec.ID)
		}
		return &hcloud.Image{Name: spec.ID}, nil
	default:
		return nil, fmt.Errorf("unknown image kind %q", spec.Kind)
	}
}

// userData returns the user data to send: the caller's, or a cloud-config
// installing req.SSHKeys when there is none.
func userData(req providers.InstanceRequest) string {
	if req.UserData != "" || len(req.SSHKeys) == 0 {
		return req.UserData
	}
	var b strings.Builder
	b.WriteString("#cloud-config\nssh_authorized_keys:\n")
	for _, k := range req.SSHKeys {
		fmt.Fprintf(&b, "  - %s\n", strconv.Quote(strings.TrimSpace(k)))
	}
	return b.String()
}

// GetInstance returns the server, or nil, nil when it does not exist.
func (p *Provider) GetInstance(ctx context.Context, id string) (*providers.Instance, error) {
	n, ok := serverID(id)
	if !ok {
		return nil, nil
	}
	s, err := p.api.GetServer(ctx, n)
	if err != nil || s == nil {
		return nil, err
	}
	return instance(s), nil
}

// ListInstances returns the servers labelled managed-by=spuff, following
// every page.
func (p *Provider) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	out := []providers.Instance{}
	err := p.api.ListServers(ctx, managedSelector, func(s *hcloud.Server) {
		if managed(s.Labels) {
			out = append(out, *instance(s))
		}
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DestroyInstance deletes a server spuff created. A server that is gone is
// success; a server without managed-by=spuff is left alone (ErrNotManaged).
// It returns once Hetzner has accepted the deletion.
func (p *Provider) DestroyInstance(ctx context.Context, id string) error {
	n, ok := serverID(id)
	if !ok {
		return nil
	}
	s, err := p.api.GetServer(ctx, n)
	if err != nil || s == nil {
		return err
	}
	if !managed(s.Labels) {
		return notManaged("destroy instance", fmt.Sprintf("server %d (%s) is not managed by spuff", s.ID, s.Name))
	}
	if err := p.api.DeleteServer(ctx, n); err != nil && !notFound(err) {
		return err
	}
	return nil
}

// WaitReady polls the server until it is running with a public IPv4. The
// wait between polls starts at Config.PollInterval and grows; a rate-limit
// error waits as long as the API asked and polls again.
func (p *Provider) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	n, ok := serverID(id)
	if !ok {
		return nil, &providers.Error{Provider: Name, Op: "wait ready", Kind: providers.ErrNotFound, Message: fmt.Sprintf("no server %q", id)}
	}
	backoff := pollBackoff(p.poll)
	for try := 0; ; try++ {
		wait := backoff(try)
		s, err := p.api.GetServer(ctx, n)
		switch {
		case err != nil:
			after, limited := providers.RetryAfter(err)
			if !limited {
				return nil, err
			}
			wait = max(wait, after)
		case s == nil:
			return nil, &providers.Error{Provider: Name, Op: "wait ready", Kind: providers.ErrNotFound, Message: fmt.Sprintf("server %d is gone", n)}
		default:
			if inst := instance(s); inst.Ready() {
				return inst, nil
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("hetzner: wait for server %d: %w", n, ctx.Err())
		case <-t.C:
		}
	}
}

// serverID parses a Hetzner id; anything else names no server.
func serverID(id string) (int64, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil && n > 0
}

// instance converts a Hetzner server.
func instance(s *hcloud.Server) *providers.Instance {
	inst := &providers.Instance{
		ID:      strconv.FormatInt(s.ID, 10),
		Name:    s.Name,
		Status:  status(s.Status),
		Created: s.Created,
		Labels:  s.Labels,
	}
	if !s.PublicNet.IPv4.IsUnspecified() {
		inst.IP = s.PublicNet.IPv4.IP.String()
	}
	if s.ServerType != nil {
		inst.Size = s.ServerType.Name
	}
	if s.Location != nil {
		inst.Region = s.Location.Name
	}
	return inst
}

func status(s hcloud.ServerStatus) providers.Status {
	switch s {
	case hcloud.ServerStatusRunning:
		return providers.StatusActive
	case hcloud.ServerStatusInitializing, hcloud.ServerStatusStarting,
		hcloud.ServerStatusRebuilding, hcloud.ServerStatusMigrating:
		return providers.StatusNew
	case hcloud.ServerStatusOff, hcloud.ServerStatusStopping:
		return providers.StatusOff
	default:
		return providers.StatusUnknown
	}
}

// notManaged is an ErrNotManaged error: a destructive call refused because
// the resource lacks spuff's label.
func notManaged(op, msg string) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrNotManaged, Message: msg}
}

// invalid is an ErrInvalid error found before calling the API.
func invalid(op, msg string) error {
	return &providers.Error{Provider: Name, Op: op, Kind: providers.ErrInvalid, Message: msg}
}
