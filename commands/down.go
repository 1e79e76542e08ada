package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/failpoint"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

type downRequest struct {
	WithSnapshot bool `json:"with_snapshot,omitempty"`
	// Expired reports whether the lease ended: the last event is
	// EventExpired rather than EventDestroyed.
	Expired bool `json:"expired,omitempty"`
	// Target is the up operation that made the instance this down is
	// for. A down acts only while the instance record of its name still
	// belongs to Target: once the name is reused, a late down is a no-op.
	// Empty in downs journaled before the rule: the cloud id decides.
	Target string `json:"target,omitempty"`
}

// targets reports whether in is still the instance record down op was
// accepted for: made by req.Target (or, without one, holding op's cloud
// id). It may have been destroyed since, by op itself before a crash.
func (req downRequest) targets(op *store.Operation, in *store.Instance) bool {
	if in == nil {
		return false
	}
	if req.Target != "" {
		return in.OpID == req.Target
	}
	return op.CloudID == "" || in.CloudID == "" || in.CloudID == op.CloudID
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

func (s *Service) acceptDown(ctx context.Context, key string, c Caller, cmd grammar.Command) (Reply, error) {
	// One down at a time per instance, as for the buttons of a lease
	// warning: a second one could run late, after the name was reused.
	s.leaseMu.Lock()
	defer s.leaseMu.Unlock()
	in, err := s.ownedInstance(ctx, c, cmd.Name, "destroy")
	if err != nil {
		s.audit(ctx, c.User, "down", cmd.Name, "refused: "+err.Error(), "")
		return Reply{}, err
	}
	downs, err := s.pendingDowns(ctx)
	if err != nil {
		return Reply{}, fmt.Errorf("down %s: %w", in.Name, err)
	}
	if in.Status == store.InstanceDestroying || downs[in.Name] != nil {
		return Reply{}, refuse("", "`%s` is already being destroyed", in.Name)
	}
	raw, _ := json.Marshal(downRequest{WithSnapshot: cmd.WithSnapshot, Target: in.OpID})
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
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if !req.targets(op, in) || (!in.Status.Live() && op.Step != "destroying") {
		// Destroyed already, and perhaps the name belongs to a new VM now:
		// a late down touches nothing.
		s.log.Info("down of an instance that is gone; nothing to do", "op", op.ID, "instance", op.Instance)
		return refuse("", "`%s` was already destroyed; nothing was done", op.Instance)
	}
	if op.State == store.OpAccepted {
		s.emit(ctx, EventAccepted, op, in, nil)
	}
	if in.Status.Live() {
		if op, in, err = s.destroy(ctx, p, op, req, in); err != nil {
			return err
		}
	} // else this down marked it destroyed before a crash: finish it
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

// destroy snapshots in first if req asks, and destroys it at the cloud:
// the cloud id op journaled, or the VM labelled with in's up operation.
func (s *Service) destroy(ctx context.Context, p providers.Provider, op *store.Operation, req downRequest, in *store.Instance) (*store.Operation, *store.Instance, error) {
	// An up still in flight may have recorded the cloud id after accept.
	cloudID := op.CloudID
	if cloudID == "" {
		cloudID = in.CloudID
	}
	var err error
	if req.WithSnapshot && op.SnapshotID == "" && cloudID != "" {
		if err := s.snapshot(ctx, p, op, in, cloudID, snapshotName(in.Name, "final")); err != nil {
			return nil, nil, err
		}
	}
	op, err = s.step(ctx, op.ID, func(o *store.Operation) { o.State, o.Step, o.CloudID = store.OpRunning, "destroying", cloudID })
	if err != nil {
		return nil, nil, err
	}
	in, err = s.store.UpdateInstance(ctx, op.Instance, func(rec *store.Instance) error {
		if !req.targets(op, rec) || !rec.Status.Live() {
			return errStaleDown // replaced or ended since it was read
		}
		rec.Status = store.InstanceDestroying
		return nil
	})
	if errors.Is(err, errStaleDown) {
		return nil, nil, refuse("", "`%s` was already destroyed; nothing was done", op.Instance)
	}
	if err != nil {
		return nil, nil, err
	}
	s.emit(ctx, EventDestroying, op, in, nil)
	failpoint.Inject("down-before-destroy")
	if cloudID != "" {
		if err := s.destroyAtCloud(ctx, p, op, cloudID); err != nil {
			return nil, nil, err
		}
	} else if found, err := s.lookup(ctx, p, op, in.OpID); err != nil {
		return nil, nil, err
	} else if found != nil {
		if err := s.destroyAtCloud(ctx, p, op, found.ID); err != nil {
			return nil, nil, err
		}
	}
	failpoint.Inject("down-after-destroy") // gone at the cloud, live in the store
	in = s.markDestroyed(ctx, op.Instance)
	failpoint.Inject("down-after-mark") // destroyed in the store, operation not done
	return op, in, nil
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
		// An unknown outcome is looked up by the snapshot's name before
		// the snapshot is asked for again.
		err = s.persist(ctx, op, cloudCall{
			action: "make the snapshot",
			do: func(ctx context.Context) error {
				sn, err := p.CreateSnapshot(ctx, providers.SnapshotRequest{InstanceID: cloudID, Name: name,
					Labels: map[string]string{providers.LabelOwner: op.Owner, providers.LabelOp: op.ID}})
				if err == nil {
					snap = sn
				}
				return err
			},
			happened: func(ctx context.Context) (bool, error) {
				sn, err := s.findSnapshot(ctx, p, op, name)
				if sn != nil {
					snap = sn
				}
				return sn != nil, err
			},
		})
		if err != nil {
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
