package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// upRequest is what an up operation journals: the command as resolved at
// accept time. Size and Price are empty when the catalog was not cached;
// Run resolves them then.
type upRequest struct {
	Size     string              `json:"size,omitempty"`
	Region   string              `json:"region,omitempty"`
	Image    providers.ImageSpec `json:"image"`
	Snapshot string              `json:"snapshot,omitempty"`
	TTL      time.Duration       `json:"ttl"`
	Price    float64             `json:"price"`
	Channel  string              `json:"channel,omitempty"`
	// OverBudget reports whether the request goes over the owner's
	// monthly budget and so needs an approver.
	OverBudget bool   `json:"over_budget,omitempty"`
	Resolved   bool   `json:"resolved"`
	UserName   string `json:"user_name,omitempty"`
	// CreateFrom is when the create was first journaled (the step that
	// may reach the cloud): its deadline for unknown outcomes,
	// Config.CreateTimeout, counts from here across restarts. Zero until
	// then, and for requests journaled before the field existed.
	CreateFrom time.Time `json:"create_from,omitzero"`
}

func (s *Service) acceptUp(ctx context.Context, key string, c Caller, cmd grammar.Command) (Reply, error) {
	pname, _, err := s.provider(cmd.Provider)
	if err != nil {
		return Reply{}, err
	}
	ttl := cmd.TTL
	if ttl == 0 {
		ttl = s.cfg.DefaultLease
	}
	if ttl > s.cfg.MaxLease {
		return Reply{}, refuse(fmt.Sprintf("use `--ttl %s` or less", fmtDuration(s.cfg.MaxLease)),
			"a lease of %s is longer than the maximum of %s", fmtDuration(ttl), fmtDuration(s.cfg.MaxLease))
	}
	if err := s.checkCloud(c.Channel, pname); err != nil {
		return Reply{}, err
	}
	req := upRequest{Size: cmd.Size, Region: cmd.Region, Snapshot: cmd.Snapshot, TTL: ttl, UserName: c.UserName, Channel: c.Channel}
	if req.Image, err = parseImage(cmd.Image, cmd.Snapshot, s.cfg.Defaults[pname].Image); err != nil {
		return Reply{}, err
	}
	cat, cached := s.catalogs.cached(pname)
	if err := s.checkImage(c.User, pname, req.Image, cat); err != nil {
		return Reply{}, err
	}
	if cached {
		if err := s.resolve(ctx, cat, pname, c.User, &req); err != nil {
			return Reply{}, err
		}
	}
	name := cmd.Name
	if name == "" {
		user := c.UserName
		if user == "" {
			user = c.User
		}
		name = instanceName(user)
	}

	// Refuse early, from memory, with the sentence a person needs; Accept
	// enforces the same rules atomically against concurrent requests.
	if err := s.checkQuota(ctx, c.User, "you", ""); err != nil {
		return Reply{}, err
	}
	nameTaken := func(owner string) error {
		return refuseText(Textf("pick another name, or leave it out and one is made for you"),
			Textf("an instance named `%s` already exists (owner %s)", name, UserID(owner)))
	}
	if in, err := s.store.GetInstance(ctx, name); err == nil && in.Status.Live() {
		return Reply{}, nameTaken(in.Owner)
	}
	raw, _ := json.Marshal(req)
	now, id := s.cfg.Now(), newID()
	op, created, err := s.store.Accept(ctx, store.Acceptance{
		Op: store.Operation{ID: id, Key: key, Kind: store.OpUp, State: store.OpAccepted,
			Owner: c.User, Channel: c.Channel, Provider: pname, Instance: name, Request: raw},
		Reserve: &store.Instance{Name: name, Provider: pname, Owner: c.User, Channel: c.Channel,
			Size: req.Size, Region: req.Region, Image: req.Image.String(), PriceHourly: req.Price,
			Created: now, LeaseExpiry: now.Add(ttl), Status: store.InstanceCreating, OpID: id},
		MaxLive: max(s.cfg.MaxInstancesPerUser, 0),
		Audit:   &store.AuditEvent{Actor: c.User, Action: "up", Target: name, Outcome: "accepted", OpID: id},
	})
	switch {
	case errors.Is(err, store.ErrQuota):
		if qerr := s.checkQuota(ctx, c.User, "you", ""); qerr != nil {
			return Reply{}, qerr
		}
		return Reply{}, refuse("destroy one with `/spuff down <name>` first", "you are at the limit of %d running instances", s.cfg.MaxInstancesPerUser)
	case errors.Is(err, store.ErrExists):
		owner := "someone"
		if in, gerr := s.store.GetInstance(ctx, name); gerr == nil {
			owner = in.Owner
		}
		return Reply{}, nameTaken(owner)
	case err != nil:
		return Reply{}, fmt.Errorf("journal up: %w", err)
	case !created:
		return Reply{Op: &op, Duplicate: true}, nil
	}
	r := Reply{Op: &op, Text: fmt.Sprintf("Creating `%s` on %s.", name, Label(pname))}
	if keys, err := s.store.ListKeys(ctx, c.User); err == nil && len(keys) == 0 {
		r.Warnings = append(r.Warnings, "You have no SSH key registered, so you will not be able to log in to `"+name+
			"` as `dev`. Add one with `/spuff key add ssh-ed25519 AAAA… you@laptop` (the line from your `~/.ssh/id_ed25519.pub`); VMs created after that accept it.")
	}
	return r, nil
}

// resolve validates size and region against cat and the allowed lists,
// fills defaults and the price, and checks owner's budget.
func (s *Service) resolve(ctx context.Context, cat *providers.Catalog, pname, owner string, req *upRequest) error {
	sizes, regions := s.allowed(pname, req.Channel)
	cat, err := restrict(cat, sizes, regions, req.Size, req.Region)
	if err != nil {
		return err
	}
	size, region, err := resolveSizeRegion(cat, s.cfg.Defaults[pname], req.Size, req.Region)
	if err != nil {
		return err
	}
	req.Size, req.Region, req.Price, req.Resolved = size.Slug, region, size.PriceHourly, true
	req.OverBudget, err = s.checkBudget(ctx, owner, req.Price, req.TTL)
	return err
}

// checkQuota refuses when user has max live instances or more, not
// counting the instance called exclude (the one reserved by the request
// itself, when it is decided later). who names user in the refusal: "you"
// for the requester, their UserID for an approver.
func (s *Service) checkQuota(ctx context.Context, user string, who any, exclude string) error {
	if s.cfg.MaxInstancesPerUser < 0 {
		return nil
	}
	live, err := s.store.ListInstances(ctx, store.InstanceFilter{Owner: user, LiveOnly: true})
	if err != nil {
		return fmt.Errorf("count instances: %w", err)
	}
	names := make([]string, 0, len(live))
	for _, in := range live {
		if in.Name != exclude {
			names = append(names, in.Name)
		}
	}
	if len(names) < s.cfg.MaxInstancesPerUser {
		return nil
	}
	verb, noun := "have", "instances"
	if who != "you" {
		verb = "has"
	}
	if len(names) == 1 {
		noun = "instance"
	}
	return refuseText(Textf("destroy one with `/spuff down <name>` first"),
		Textf("%s already %s %d running %s (%s), the limit is %d",
			who, verb, len(names), noun, joinCode(names), s.cfg.MaxInstancesPerUser))
}

// needsApproval reports whether a VM at price per hour needs an approver.
func (s *Service) needsApproval(price float64) bool {
	return s.cfg.ApprovalAbove != nil && (*s.cfg.ApprovalAbove == 0 || price > *s.cfg.ApprovalAbove)
}

func parseImage(image, snapshot, def string) (providers.ImageSpec, error) {
	if snapshot != "" {
		return providers.ImageSpec{Kind: providers.ImageSnapshot, ID: snapshot}, nil
	}
	if image == "" {
		image = def
	}
	switch {
	case image == "":
		return providers.ImageSpec{}, nil
	case image == "ubuntu":
		return providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "24.04"}, nil
	case image == "debian":
		return providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}, nil
	case strings.HasPrefix(image, "ubuntu-"):
		return providers.ImageSpec{Kind: providers.ImageUbuntu, Version: strings.TrimPrefix(image, "ubuntu-")}, nil
	case strings.HasPrefix(image, "debian-"):
		return providers.ImageSpec{Kind: providers.ImageDebian, Version: strings.TrimPrefix(image, "debian-")}, nil
	}
	return providers.ImageSpec{Kind: providers.ImageCustom, ID: image}, nil
}

func decodeUp(op *store.Operation) (upRequest, error) {
	var req upRequest
	if err := json.Unmarshal(op.Request, &req); err != nil {
		return req, fmt.Errorf("decode up request of %s: %w", op.ID, err)
	}
	return req, nil
}

// fmtDuration prints 2h, 90m, 3d rather than 2h0m0s.
func fmtDuration(d time.Duration) string {
	switch {
	case d >= 24*time.Hour && d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d >= time.Hour && d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.Round(time.Second).String()
}

var errDenied = errors.New("denied")
