package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

// recentDestroy is how long an instance spuffbot destroyed may still show
// in its cloud's list (deletes finish in the background) without being
// taken for an orphan.
const recentDestroy = 10 * time.Minute

// Orphan is a VM at a cloud that carries spuff's labels but that spuffbot
// does not track as live: created by a run that crashed before recording
// it, left by a destroy that failed, or created with spuff's labels by
// hand.
type Orphan struct {
	Provider string
	Instance providers.Instance
	// Age is the time since the cloud created it, zero when unknown.
	Age time.Duration
	// PriceHourly is its price in USD per hour, zero when unknown.
	PriceHourly float64
}

// ReconcileReport is what one Reconcile pass found and did.
type ReconcileReport struct {
	// Listed counts the clouds whose instances were listed.
	Listed int
	// Instances counts the instances those lists returned.
	Instances int
	// DestroyedOutside are the instances found gone at their cloud, now
	// recorded as destroyed.
	DestroyedOutside []store.Instance
	// Orphans are every orphan seen in this pass, reported or not.
	Orphans []Orphan
	// Reported are the orphans reported (EventOrphan) for the first time.
	Reported []Orphan
	// AutoDestroyed are the orphans destroyed for being older than
	// Config.OrphanGrace.
	AutoDestroyed []Orphan
	// Errors holds, by cloud, why it could not be reconciled.
	Errors map[string]error
}

// orphanBook remembers, for this process, the orphans already reported and
// the instances spuffbot destroyed lately.
type orphanBook struct {
	pass sync.Mutex // one Reconcile at a time

	mu        sync.Mutex
	reported  map[string]bool      // provider/cloud id
	destroyed map[string]time.Time // provider/cloud id -> when
}

func orphanKey(provider, cloudID string) string { return provider + "/" + cloudID }

// report records that the orphan is reported and reports whether it was
// not yet.
func (b *orphanBook) report(provider, cloudID string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	k := orphanKey(provider, cloudID)
	if b.reported[k] {
		return false
	}
	if b.reported == nil {
		b.reported = make(map[string]bool)
	}
	b.reported[k] = true
	return true
}

// forget drops what the book knows of an instance that is gone or adopted.
func (b *orphanBook) forget(provider, cloudID string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.reported, orphanKey(provider, cloudID))
}

// destroyedByUs records that spuffbot destroyed cloudID at now.
func (b *orphanBook) destroyedByUs(provider, cloudID string, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.destroyed == nil {
		b.destroyed = make(map[string]time.Time)
	}
	b.destroyed[orphanKey(provider, cloudID)] = now
}

// recentlyDestroyed reports whether spuffbot destroyed cloudID less than
// recentDestroy before now.
func (b *orphanBook) recentlyDestroyed(provider, cloudID string, now time.Time) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	at, ok := b.destroyed[orphanKey(provider, cloudID)]
	return ok && now.Sub(at) < recentDestroy
}

// prune forgets what concerns provider's instances that are no longer in
// its list, and destroys older than recentDestroy.
func (b *orphanBook) prune(provider string, listed map[string]*providers.Instance, now time.Time) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.reported {
		if p, id, _ := strings.Cut(k, "/"); p == provider && listed[id] == nil {
			delete(b.reported, k)
		}
	}
	for k, at := range b.destroyed {
		if now.Sub(at) >= recentDestroy {
			delete(b.destroyed, k)
		}
	}
}

// Reconcile runs one pass comparing each cloud with the store, with one
// ListInstances call per cloud whatever the number of instances:
//
//   - An instance recorded as ready that is gone at its cloud is marked
//     destroyed, and its owner is told (EventDestroyedOutside).
//   - An instance left creating by an up that has ended (its wait and the
//     destroy after it failed) is marked failed, so that its VM, if any,
//     is an orphan.
//   - A VM with spuff's labels that the store does not know as live is an
//     orphan, reported to the admins once per process (EventOrphan) — unless
//     its up is still in flight: the store has its operation unfinished, or
//     has its instance creating without a cloud id yet. With
//     Config.OrphanGrace set, an orphan at least that old is destroyed
//     instead (EventOrphanDestroyed).
//
// A cloud that cannot be listed is skipped, its error in the report's
// Errors and in the returned error; the others are still reconciled.
// Background calls Reconcile at start and every Config.ReconcileEvery.
func (s *Service) Reconcile(ctx context.Context) (ReconcileReport, error) {
	s.orphans.pass.Lock()
	defer s.orphans.pass.Unlock()
	rep := ReconcileReport{Errors: make(map[string]error)}
	var errs []error
	for _, name := range s.Providers() {
		if err := s.reconcile(ctx, name, &rep); err != nil {
			rep.Errors[name] = err
			errs = append(errs, err)
		}
	}
	return rep, errors.Join(errs...)
}

// reconcile reconciles cloud name into rep.
func (s *Service) reconcile(ctx context.Context, name string, rep *ReconcileReport) error {
	// Read the ready instances before listing: an instance ready before
	// the list started was at the cloud then, so its absence means it is
	// gone, not that it is too new to be listed.
	before, err := s.store.ListInstances(ctx, store.InstanceFilter{Provider: name, LiveOnly: true})
	if err != nil {
		return fmt.Errorf("reconcile %s: %w", name, err)
	}
	list, err := s.providers[name].ListInstances(ctx)
	if err != nil {
		return fmt.Errorf("reconcile %s: %w", name, err)
	}
	rep.Listed++
	rep.Instances += len(list)
	listed := make(map[string]*providers.Instance, len(list))
	for i := range list {
		listed[list[i].ID] = &list[i]
	}
	for _, in := range before {
		switch {
		case in.Status == store.InstanceReady && in.CloudID != "" && listed[in.CloudID] == nil:
			if gone := s.goneOutside(ctx, in.Name, in.CloudID); gone != nil {
				rep.DestroyedOutside = append(rep.DestroyedOutside, *gone)
			}
		case in.Status == store.InstanceCreating && s.upEnded(ctx, in.OpID):
			s.endStale(ctx, in.Name, in.OpID)
		}
	}
	// Read the store again after listing, so that every instance an up
	// created before the list is known by its operation at least.
	tracked, err := s.tracked(ctx, name)
	if err != nil {
		return fmt.Errorf("reconcile %s: %w", name, err)
	}
	now := s.cfg.Now()
	for i := range list {
		ci := &list[i]
		if ci.Labels[providers.LabelManagedBy] != providers.ManagedByValue || tracked.has(ci) ||
			s.orphans.recentlyDestroyed(name, ci.ID, now) {
			continue
		}
		o := s.orphan(ctx, name, ci, now)
		rep.Orphans = append(rep.Orphans, o)
		if s.cfg.OrphanGrace > 0 && o.Age >= s.cfg.OrphanGrace {
			if err := s.destroyOrphan(ctx, o, SystemActor); err != nil {
				s.log.Error("destroy orphan", "provider", name, "instance", ci.ID, "err", err)
			} else {
				rep.AutoDestroyed = append(rep.AutoDestroyed, o)
				continue
			}
		}
		if s.orphans.report(name, ci.ID) {
			rep.Reported = append(rep.Reported, o)
			s.log.Warn("orphan instance", "provider", name, "instance", ci.ID, "name", ci.Name)
			s.notifyOrphan(ctx, EventOrphan, o, nil, "")
		}
	}
	s.orphans.prune(name, listed, now)
	return nil
}

// goneOutside marks instance name destroyed if it is still ready with
// cloudID, tells its owner and returns it; nil when it changed meanwhile.
func (s *Service) goneOutside(ctx context.Context, name, cloudID string) *store.Instance {
	in, err := s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		if in.Status != store.InstanceReady || in.CloudID != cloudID {
			return errUnchanged
		}
		in.Status, in.Ended = store.InstanceDestroyed, s.cfg.Now()
		return nil
	})
	if err != nil {
		if !errors.Is(err, errUnchanged) {
			s.log.Error("mark destroyed outside", "instance", name, "err", err)
		}
		return nil
	}
	s.log.Warn("instance destroyed outside spuffbot", "provider", in.Provider, "instance", in.Name, "cloud_id", cloudID)
	s.audit(ctx, SystemActor, "destroyed-outside", in.Name, "ok: gone at "+Label(in.Provider), "")
	s.emit(ctx, EventDestroyedOutside, s.instanceOp(ctx, in), in, func(ev *Event) {
		ev.Detail = fmt.Sprintf("`%s` was destroyed outside spuffbot: %s no longer has it.", in.Name, Label(in.Provider))
	})
	return in
}

// upEnded reports whether the up operation opID is over (or lost), so
// that an instance it left creating is not being created any more.
func (s *Service) upEnded(ctx context.Context, opID string) bool {
	op, err := s.store.GetOperation(ctx, opID)
	if errors.Is(err, store.ErrNotFound) {
		return true
	}
	return err == nil && op.State.Final()
}

// endStale marks instance name failed if its up opID left it creating:
// a VM whose wait failed and whose destroy failed too. The VM, if it is
// still at the cloud, is then an orphan for the admins to see.
func (s *Service) endStale(ctx context.Context, name, opID string) {
	_, err := s.store.UpdateInstance(ctx, name, func(in *store.Instance) error {
		if in.Status != store.InstanceCreating || in.OpID != opID {
			return errUnchanged
		}
		in.Status, in.Ended = store.InstanceFailed, s.cfg.Now()
		return nil
	})
	if err == nil {
		s.log.Warn("instance left creating by an ended up; marked failed", "instance", name, "op", opID)
	} else if !errors.Is(err, errUnchanged) {
		s.log.Error("mark stale instance failed", "instance", name, "err", err)
	}
}

// trackedSet is what the store knows of a cloud's instances.
type trackedSet struct {
	cloudIDs map[string]bool // of live instances
	ops      map[string]bool // ups in flight: unfinished, or creating without a cloud id
}

func (t trackedSet) has(ci *providers.Instance) bool {
	return t.cloudIDs[ci.ID] || (ci.Labels[providers.LabelOp] != "" && t.ops[ci.Labels[providers.LabelOp]])
}

// tracked reads what the store knows of cloud name's instances.
func (s *Service) tracked(ctx context.Context, name string) (trackedSet, error) {
	t := trackedSet{cloudIDs: make(map[string]bool), ops: make(map[string]bool)}
	live, err := s.store.ListInstances(ctx, store.InstanceFilter{Provider: name, LiveOnly: true})
	if err != nil {
		return t, err
	}
	for _, in := range live {
		if in.CloudID != "" {
			t.cloudIDs[in.CloudID] = true
		} else if in.OpID != "" {
			t.ops[in.OpID] = true
		}
	}
	ops, err := s.store.ListOperations(ctx, true)
	if err != nil {
		return t, err
	}
	for _, op := range ops {
		t.ops[op.ID] = true
		if op.CloudID != "" && op.Provider == name {
			t.cloudIDs[op.CloudID] = true
		}
	}
	return t, nil
}

// orphan describes ci, an orphan at cloud name.
func (s *Service) orphan(ctx context.Context, name string, ci *providers.Instance, now time.Time) Orphan {
	o := Orphan{Provider: name, Instance: *ci}
	if !ci.Created.IsZero() && now.After(ci.Created) {
		o.Age = now.Sub(ci.Created)
	}
	if cat, err := s.catalogs.get(ctx, name); err == nil {
		if size, ok := cat.Size(ci.Size); ok {
			o.PriceHourly = size.PriceHourly
		}
	}
	return o
}

// notifyOrphan sends an orphan event.
func (s *Service) notifyOrphan(ctx context.Context, kind EventKind, o Orphan, in *store.Instance, actor string) {
	op := &store.Operation{Provider: o.Provider}
	s.emit(ctx, kind, op, in, func(ev *Event) {
		ev.Orphan, ev.Actor = &o, UserID(actor)
		ev.Estimated = s.estimated(o.Provider)
	})
}
