package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

func (s *Service) handleSnapshot(ctx context.Context, key string, c Caller, cmd grammar.Command) (Reply, error) {
	switch cmd.Sub {
	case "create":
		in, err := s.ownedInstance(ctx, c, cmd.Name, "snapshot")
		if err != nil {
			return Reply{}, err
		}
		if in.CloudID == "" || in.Status != store.InstanceReady {
			return Reply{}, refuse("wait until it is ready", "`%s` is not ready yet", in.Name)
		}
		return s.acceptOp(ctx, key, c, store.Operation{Kind: store.OpSnapshotCreate, Provider: in.Provider,
			Instance: in.Name, CloudID: in.CloudID, Request: mustJSON(cmd.Label)},
			fmt.Sprintf("Snapshotting `%s`.", in.Name))
	case "delete":
		pname, err := s.snapshotOwner(ctx, c, cmd.ID)
		if err != nil {
			return Reply{}, err
		}
		return s.acceptOp(ctx, key, c, store.Operation{Kind: store.OpSnapshotDelete, Provider: pname, SnapshotID: cmd.ID},
			fmt.Sprintf("Deleting snapshot `%s`.", cmd.ID))
	case "list":
		if cmd.All && !s.IsAdmin(c.User) {
			return Reply{}, refuseText(Concat(Textf("`/spuff snapshot list` shows yours; ask one of: "), Users(s.cfg.Admins)),
				Textf("only admins can list everyone's snapshots"))
		}
		return Reply{Text: "Looking up snapshots…", Followup: func(ctx context.Context) (Reply, error) {
			return s.listSnapshots(ctx, c.User, cmd.All)
		}}, nil
	}
	return Reply{}, refuse("try `/spuff help snapshot`", "unknown snapshot command `%s`", cmd.Sub)
}

// acceptOp journals a simple operation for c.
func (s *Service) acceptOp(ctx context.Context, key string, c Caller, op store.Operation, text string) (Reply, error) {
	op.ID, op.Key, op.State, op.Owner, op.Channel = newID(), key, store.OpAccepted, c.User, c.Channel
	op, created, err := s.store.Accept(ctx, store.Acceptance{Op: op,
		Audit: &store.AuditEvent{Actor: c.User, Action: string(op.Kind), Target: op.Instance + op.SnapshotID, Outcome: "accepted", OpID: op.ID}})
	if err != nil {
		return Reply{}, fmt.Errorf("journal %s: %w", op.Kind, err)
	}
	if !created {
		return Reply{Op: &op, Duplicate: true}, nil
	}
	return Reply{Op: &op, Text: text}, nil
}

// snapshotOwner checks, as far as the journal tells without a cloud call,
// that c may delete snapshot id: an admin, or whoever made it through
// spuffbot. It returns the snapshot's provider, or "" for a snapshot the
// journal does not know (one whose making was pruned from it, its owner
// being on its label): the run then finds it at the clouds and checks its
// owner label before deleting it (see checkSnapshotDelete).
func (s *Service) snapshotOwner(ctx context.Context, c Caller, id string) (string, error) {
	ops, err := s.store.ListOperations(ctx, false)
	if err != nil {
		return "", fmt.Errorf("find snapshot %s: %w", id, err)
	}
	for _, op := range ops {
		if op.SnapshotID != id || op.State != store.OpDone || op.Kind == store.OpSnapshotDelete {
			continue
		}
		if op.Owner != c.User && !s.IsAdmin(c.User) {
			return "", snapshotNotYours(id, op.Owner)
		}
		return op.Provider, nil
	}
	if s.IsAdmin(c.User) && len(s.providers) == 1 {
		return s.Providers()[0], nil
	}
	return "", nil
}

// snapshotNotYours refuses the deletion of snapshot id, made by owner.
func snapshotNotYours(id, owner string) error {
	return refuseText(Textf("ask them, or an admin"), Textf("snapshot `%s` was made by %s; only they or an admin can delete it", id, UserID(owner)))
}

// stepOwnerChecked is journaled once a snapshot delete has checked, at
// the cloud, that its snapshot is its owner's to delete.
const stepOwnerChecked = "owner-checked"

// checkSnapshotDelete checks, before op's first cloud call, that op's
// owner may delete op's snapshot as the cloud labels it: its owner label,
// or for a snapshot without one the journal's record, names them, or they
// are an admin. A snapshot the journal did not know at accept (op has no
// provider) is looked for on every cloud. It returns the provider to
// delete it on.
func (s *Service) checkSnapshotDelete(ctx context.Context, op *store.Operation) (string, error) {
	names := []string{op.Provider}
	if op.Provider == "" {
		names = s.Providers()
	}
	for _, name := range names {
		p, ok := s.providers[name]
		if !ok {
			return "", refuse("", "cloud `%s` is no longer configured", name)
		}
		var list []providers.Snapshot
		err := s.persist(ctx, op, cloudCall{action: "list its snapshots", do: func(ctx context.Context) (err error) {
			list, err = p.ListSnapshots(ctx)
			return err
		}})
		if err != nil {
			return "", fmt.Errorf("find snapshot %s: %w", op.SnapshotID, err)
		}
		i := slices.IndexFunc(list, func(sn providers.Snapshot) bool { return sn.ID == op.SnapshotID })
		if i < 0 {
			continue
		}
		owners, err := s.snapshotOwners(ctx, name, list[i:i+1])
		if err != nil {
			return "", err
		}
		owner := owners[op.SnapshotID]
		if owner == op.Owner || s.IsAdmin(op.Owner) {
			return name, nil
		}
		if owner != "" {
			return "", snapshotNotYours(op.SnapshotID, owner)
		}
		break // spuff's, but whose neither its label nor the journal says
	}
	if op.Provider != "" { // known to the journal, and gone: deleting it again is harmless
		return op.Provider, nil
	}
	return "", refuse("see them with `/spuff snapshot list`", "spuffbot knows no snapshot `%s` of yours", op.SnapshotID)
}

func (s *Service) runSnapshotCreate(ctx context.Context, op *store.Operation) error {
	p, ok := s.providers[op.Provider]
	if !ok {
		return refuse("", "cloud `%s` is no longer configured", op.Provider)
	}
	in, err := s.store.GetInstance(ctx, op.Instance)
	if err != nil {
		return err
	}
	if op.State == store.OpAccepted {
		s.emit(ctx, EventAccepted, op, in, nil)
	}
	var label string
	_ = json.Unmarshal(op.Request, &label)
	var snap *providers.Snapshot
	if op.SnapshotID == "" {
		if err := s.snapshot(ctx, p, op, in, op.CloudID, snapshotName(in.Name, label)); err != nil {
			return err
		}
	}
	failpoint.Inject("snapshot-after-journal-id") // operation not done
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step = store.OpDone, "snapshotted" })
	if err != nil {
		return err
	}
	failpoint.Inject("op-after-done") // done, its final event not shown
	if list, err := p.ListSnapshots(ctx); err == nil {
		for i := range list {
			if list[i].ID == op.SnapshotID {
				snap = &list[i]
			}
		}
	}
	if snap == nil {
		snap = &providers.Snapshot{ID: op.SnapshotID}
	}
	s.audit(ctx, op.Owner, "snapshot-create", op.Instance, "ok", op.ID)
	s.emit(ctx, EventSnapshotCreated, op, in, func(ev *Event) { ev.Snapshot = snap })
	return nil
}

func (s *Service) runSnapshotDelete(ctx context.Context, op *store.Operation) error {
	accepted := op.State == store.OpAccepted
	if op.Step != stepOwnerChecked {
		name, err := s.checkSnapshotDelete(ctx, op)
		if err != nil {
			return err
		}
		if op, err = s.step(ctx, op.ID, func(o *store.Operation) {
			o.Provider, o.State, o.Step = name, store.OpRunning, stepOwnerChecked
		}); err != nil {
			return err
		}
	}
	p, ok := s.providers[op.Provider]
	if !ok {
		return refuse("", "cloud `%s` is no longer configured", op.Provider)
	}
	if accepted {
		s.emit(ctx, EventAccepted, op, nil, nil)
	}
	// DeleteSnapshot is idempotent: an unknown outcome is tried again.
	err := s.persist(ctx, op, cloudCall{action: "delete the snapshot", do: func(ctx context.Context) error {
		return p.DeleteSnapshot(ctx, op.SnapshotID)
	}})
	if err != nil {
		return err
	}
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step = store.OpDone, "deleted" })
	if err != nil {
		return err
	}
	failpoint.Inject("op-after-done") // done, its final event not shown
	s.audit(ctx, op.Owner, "snapshot-delete", op.SnapshotID, "ok", op.ID)
	s.emit(ctx, EventSnapshotDeleted, op, nil, func(ev *Event) { ev.Snapshot = &providers.Snapshot{ID: op.SnapshotID} })
	return nil
}

// listSnapshots lists user's snapshots on every provider, or with all
// (for an admin) everyone's, with who made each and its monthly storage
// cost.
func (s *Service) listSnapshots(ctx context.Context, user string, all bool) (Reply, error) {
	var out []SnapshotView
	var failed []string
	for _, name := range s.Providers() {
		list, err := s.providers[name].ListSnapshots(ctx)
		if err != nil {
			s.log.Warn("list snapshots", "provider", name, "err", err)
			failed = append(failed, Label(name))
			continue
		}
		owners, err := s.snapshotOwners(ctx, name, list)
		if err != nil {
			return Reply{}, err
		}
		// The storage price comes from the catalog, fetched when none is
		// cached yet (this runs after the ack); without one the cost is
		// shown as unknown, never as free.
		perGB := 0.0
		if cat, err := s.catalogs.get(ctx, name); err == nil {
			perGB = cat.SnapshotMonthlyPerGB
		}
		for _, sn := range list {
			owner := owners[sn.ID]
			if !all && owner != user {
				continue
			}
			out = append(out, SnapshotView{Snapshot: sn, Provider: name, Owner: UserID(owner), MonthlyCost: sn.SizeGB * perGB})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	r := Reply{Snapshots: out}
	switch {
	case len(failed) > 0:
		r.Text = "Could not reach " + strings.Join(failed, ", ") + "; their snapshots are missing below."
	case len(out) == 0 && all:
		r.Text = "No snapshots yet. Make one with `/spuff snapshot create <name>`."
	case len(out) == 0:
		r.Text = "You have no snapshots. Make one with `/spuff snapshot create <name>`."
	}
	return r, nil
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only plain values are passed
	}
	return b
}
