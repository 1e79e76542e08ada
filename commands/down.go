package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

type downRequest struct {
	WithSnapshot bool `json:"with_snapshot,omitempty"`
	// Expired reports whether the lease ended: the last event is
	// EventExpired rather than EventDestroyed.
	Expired bool `json:"expired,omitempty"`
}

// ownedInstance returns the live instance name that c may act on: its owner
// or an admin.
func (s *Service) ownedInstance(ctx context.Context, c Caller, name, verb string) (*store.Instance, error) {
	in, err := s.store.GetInstance(ctx, name)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !in.Status.Live()) {
		return nil, refuse("see yours with `/spuff list`", "there is no running instance named `%s`", name)
	}
	if err != nil {
		return nil, fmt.Errorf("look up %s: %w", name, err)
	}
	if in.Owner != c.User && !s.IsAdmin(c.User) {
		return nil, refuseText(Textf("ask them, or an admin"), Textf("`%s` belongs to %s; only its owner or an admin can %s it", name, UserID(in.Owner), verb))
	}
	return in, nil
}

func (s *Service) acceptDown(ctx context.Context, key string, c Caller, cmd Command) (Reply, error) {
	in, err := s.ownedInstance(ctx, c, cmd.Name, "destroy")
	if err != nil {
		s.audit(ctx, c.User, "down", cmd.Name, "refused: "+err.Error(), "")
		return Reply{}, err
	}
	if in.Status == store.InstanceDestroying {
		return Reply{}, refuse("", "`%s` is already being destroyed", in.Name)
	}
	raw, _ := json.Marshal(downRequest{WithSnapshot: cmd.WithSnapshot})
	return s.acceptOp(ctx, key, c, store.Operation{Kind: store.OpDown, Provider: in.Provider,
		Instance: in.Name, CloudID: in.CloudID, Request: raw}, fmt.Sprintf("Destroying `%s`.", in.Name))
}

func (s *Service) runDown(ctx context.Context, op *store.Operation) error {
	p, ok := s.providers[op.Provider]
	if !ok {
		return refuse("", "cloud `%s` is no longer configured", op.Provider)
	}
	var req downRequest
	_ = json.Unmarshal(op.Request, &req)
	in, err := s.store.GetInstance(ctx, op.Instance)
	if err != nil {
		return err
	}
	if op.State == store.OpAccepted {
		s.emit(ctx, EventAccepted, op, in, nil)
	}
	// An up still in flight may have recorded the cloud id after accept.
	cloudID := op.CloudID
	if cloudID == "" {
		cloudID = in.CloudID
	}
	if req.WithSnapshot && op.SnapshotID == "" && cloudID != "" {
		if err := s.snapshot(ctx, p, op, in, cloudID, snapshotName(in.Name, "final")); err != nil {
			return err
		}
	}
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step, o.CloudID = store.OpRunning, "destroying", cloudID })
	if err != nil {
		return err
	}
	in, err = s.store.UpdateInstance(ctx, op.Instance, func(in *store.Instance) error {
		in.Status = store.InstanceDestroying
		return nil
	})
	if err != nil {
		return err
	}
	s.emit(ctx, EventDestroying, op, in, nil)
	failpoint.Inject("down-before-destroy")
	if cloudID != "" {
		if err := p.DestroyInstance(ctx, cloudID); err != nil {
			return err
		}
	} else if found, err := findByOp(ctx, p, in.OpID); err != nil {
		return err
	} else if found != nil {
		if err := p.DestroyInstance(ctx, found.ID); err != nil {
			return err
		}
	}
	failpoint.Inject("down-after-destroy") // gone at the cloud, live in the store
	in = s.markDestroyed(ctx, op.Instance)
	failpoint.Inject("down-after-mark") // destroyed in the store, operation not done
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step = store.OpDone, "destroyed" })
	if err != nil {
		return err
	}
	failpoint.Inject("op-after-done") // done, its final event not shown
	s.audit(ctx, op.Owner, "down", op.Instance, "ok", op.ID)
	if req.Expired {
		s.emit(ctx, EventExpired, op, in, expiredDetail)
		return nil
	}
	s.emit(ctx, EventDestroyed, op, in, func(ev *Event) { ev.Actor = UserID(op.Owner) })
	return nil
}

// expiredDetail completes the EventExpired that ends the down of an
// instance whose lease ended.
func expiredDetail(ev *Event) {
	ev.Actor = UserID(ev.Op.Owner)
	if in := ev.Instance; in != nil {
		ev.Detail = fmt.Sprintf("`%s` was destroyed: its lease ended at %s.", in.Name, in.LeaseExpiry.UTC().Format("Mon 15:04 MST"))
	}
}

// stepSnapshotting is journaled before the snapshot call: the snapshot
// may exist, its id not journaled.
const stepSnapshotting = "snapshotting"

// snapshot snapshots cloudID as name, exactly once, and records the
// snapshot id on op: if a previous run may have reached the cloud, it
// first looks for the snapshot it made.
func (s *Service) snapshot(ctx context.Context, p providers.Provider, op *store.Operation, in *store.Instance, cloudID, name string) error {
	var snap *providers.Snapshot
	if op.Step == stepSnapshotting {
		var err error
		if snap, err = s.findSnapshot(ctx, p, op, name); err != nil {
			return err
		}
	}
	if snap == nil {
		var err error
		op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step = store.OpRunning, stepSnapshotting })
		if err != nil {
			return err
		}
		s.emit(ctx, EventSnapshotting, op, in, nil)
		failpoint.Inject("snapshot-before-create")
		if snap, err = p.CreateSnapshot(ctx, cloudID, name); err != nil {
			return err
		}
	}
	failpoint.Inject("snapshot-after-create") // the snapshot exists, its id is not journaled
	op, err := s.step(ctx, op.ID, func(o *store.Operation) { o.SnapshotID, o.Step = snap.ID, "snapshotted" })
	if err != nil {
		return err
	}
	if op.Kind == store.OpDown { // snapshot create reports when it is done
		s.emit(ctx, EventSnapshotCreated, op, in, func(ev *Event) { ev.Snapshot = snap })
	}
	return nil
}

// cloudClockSkew is how much earlier than the operation a snapshot may
// seem to be made: clouds round their timestamps, and their clocks are not
// ours.
const cloudClockSkew = time.Minute

// findSnapshot returns the snapshot a crashed run of op made, or nil: the
// snapshot called name made since op was created, at the latest within
// cloudClockSkew, that no other operation journaled; the first made, if
// there are several.
func (s *Service) findSnapshot(ctx context.Context, p providers.Provider, op *store.Operation, name string) (*providers.Snapshot, error) {
	list, err := p.ListSnapshots(ctx)
	if err != nil {
		return nil, fmt.Errorf("look for snapshot of %s: %w", op.ID, err)
	}
	ops, err := s.store.ListOperations(ctx, false)
	if err != nil {
		return nil, fmt.Errorf("look for snapshot of %s: %w", op.ID, err)
	}
	taken := make(map[string]bool)
	for _, o := range ops {
		if o.ID != op.ID && o.SnapshotID != "" {
			taken[o.SnapshotID] = true
		}
	}
	var found *providers.Snapshot
	for i := range list {
		sn := &list[i]
		if sn.Name != name || taken[sn.ID] || sn.Created.Before(op.Created.Add(-cloudClockSkew)) {
			continue
		}
		if found == nil || sn.Created.Before(found.Created) {
			found = sn
		}
	}
	if found != nil {
		s.log.Info("adopting the snapshot made before a restart", "op", op.ID, "instance", op.Instance, "snapshot", found.ID)
	}
	return found, nil
}

func snapshotName(instance, label string) string {
	if label == "" {
		return "spuff-" + instance
	}
	return "spuff-" + instance + "-" + label
}
