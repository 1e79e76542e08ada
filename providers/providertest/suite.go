package providertest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Target is one provider under test, freshly built for one subtest of Run.
type Target struct {
	// Provider is the provider under test, pointed at an empty cloud (or
	// emulator).
	Provider providers.Provider
	// AddUnmanaged creates, directly at the cloud (emulator), an instance
	// without spuff's labels; nil skips that check.
	AddUnmanaged func(t *testing.T)
	// SetReadyAfter makes instances created from now on take d to become
	// ready (the emulators' SetReadyAfter). Run uses it to check that
	// WaitReady stops when its context ends while the instance is still
	// booting; nil skips that check.
	SetReadyAfter func(d time.Duration)
	// Unmanaged creates, directly at the cloud, an instance without
	// spuff's labels and returns its id; Run checks that DestroyInstance
	// refuses it with providers.ErrNotManaged. Nil skips that check.
	Unmanaged func(t *testing.T) string
	// UnmanagedSnapshot is Unmanaged for a snapshot (DeleteSnapshot).
	UnmanagedSnapshot func(t *testing.T) string
	// Faults aims injected failures at the cloud's API; nil skips the
	// fault cases (a cloud without an HTTP API to break).
	Faults *FaultPoints
	// SetActivity makes the instance with cloud id report, at every data
	// point of its metrics, a busy load (well above any idle threshold)
	// or an idle one. Run uses it to check a providers.ActivityReader;
	// nil skips that check.
	SetActivity func(id string, busy bool)
}

// FaultPoints is how the fault cases of Run break a cloud's API.
type FaultPoints struct {
	// Knobs are the emulator's fault knobs.
	Knobs *Knobs
	// Create and Destroy name the create and delete endpoints as
	// Knobs.Calls names them ("POST /v1/servers", "RunInstances").
	Create, Destroy string
	// ServerError is the 5xx status the cloud's SDK retries by itself
	// (500 for EC2 and DigitalOcean, 502 for Hetzner).
	ServerError int
	// NameConflict reports whether the cloud refuses a create whose name
	// is taken with a 409 (Hetzner, DigitalOcean); EC2 has a ClientToken
	// instead.
	NameConflict bool
}

// Per-subtest limits: a broken provider fails the subtest instead of
// hanging the test binary.
const (
	// suiteTimeout bounds everything one subtest does.
	suiteTimeout = 30 * time.Second
	// suiteReturnTimeout is how long Run waits for a call to return after
	// its context has ended, before it calls the call stuck.
	suiteReturnTimeout = 10 * time.Second
)

// Labels the suite puts on the instances it creates. The values are valid
// label values on every cloud, so they must come back unchanged.
const (
	suiteOwner = "U024BE7LH"
	suiteOp    = "op-conformance-1"
)

// Run runs the behaviour suite every provider passes. It calls newTarget
// once per subtest, so that each starts from an empty cloud; newTarget
// registers its own cleanups with t.Cleanup. Run picks the cheapest
// available size from the provider's catalog and a region it is offered in.
//
// Subtests run one after another, so newTarget may use t.Setenv.
func Run(t *testing.T, newTarget func(t *testing.T) Target) {
	t.Helper()
	tests := []struct {
		name string
		run  func(t *testing.T, f *suiteFixture)
	}{
		{"Catalog", suiteCatalog},
		{"Lifecycle", suiteLifecycle},
		{"ListShowsOnlyManaged", suiteListShowsOnlyManaged},
		{"Snapshots", suiteSnapshots},
		{"WaitReadyCancelled", suiteWaitReadyCancelled},
		{"WaitReadyContextEndsWhileBooting", suiteWaitReadyWhileBooting},
		{"InvalidSize", suiteInvalidSize},
		{"InvalidRegion", suiteInvalidRegion},
		{"UnknownInstance", suiteUnknownInstance},
		{"ConcurrentCreates", suiteConcurrentCreates},
		{"DestroyUnmanagedRefused", suiteDestroyUnmanaged},
		{"DeleteUnmanagedSnapshotRefused", suiteDeleteUnmanagedSnapshot},
		{"LostCreateAnswerThenServerErrors", suiteLostCreateThenServerErrors},
		{"CreateConnectionDropped", suiteCreateConnectionDropped},
		{"LostCreateAnswerThenNameConflict", suiteLostCreateThenConflict},
		{"DestroyAnswerLostAfterDelete", suiteDestroyAnswerLost},
		{"Activity", suiteActivity},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := newTarget(t)
			if target.Provider == nil {
				t.Fatal("newTarget returned a Target without a Provider")
			}
			ctx, cancel := context.WithTimeout(t.Context(), suiteTimeout)
			defer cancel()
			tt.run(t, newSuiteFixture(t, ctx, target))
		})
	}
}

// suiteFixture is what one subtest works with.
type suiteFixture struct {
	t      *testing.T
	ctx    context.Context
	target Target
	p      providers.Provider
	size   string // cheapest available size
	region string // an available region the size is offered in
}

func newSuiteFixture(t *testing.T, ctx context.Context, target Target) *suiteFixture {
	t.Helper()
	cat, err := target.Provider.Catalog(ctx)
	if err != nil {
		t.Fatalf("Catalog() error = %v", err)
	}
	size, region, ok := suitePlacement(cat)
	if !ok {
		t.Fatalf("Catalog() has no available size offered in an available region: %+v", cat)
	}
	return &suiteFixture{t: t, ctx: ctx, target: target, p: target.Provider, size: size.Slug, region: region}
}

// suitePlacement returns the cheapest available size that is offered in an
// available region, and the first such region in catalog order.
func suitePlacement(cat *providers.Catalog) (providers.Size, string, bool) {
	sizes := slices.Clone(cat.Sizes)
	slices.SortStableFunc(sizes, func(a, b providers.Size) int {
		return cmp.Or(cmp.Compare(a.PriceHourly, b.PriceHourly), cmp.Compare(a.Slug, b.Slug))
	})
	for _, s := range sizes {
		if !s.Available {
			continue
		}
		for _, r := range cat.Regions {
			if r.Available && s.Offered(r.Slug) {
				return s, r.Slug, true
			}
		}
	}
	return providers.Size{}, "", false
}

// request returns a valid create request for an instance called name.
func (f *suiteFixture) request(name string) providers.InstanceRequest {
	return providers.InstanceRequest{
		Name:   name,
		Region: f.region,
		Size:   f.size,
		Labels: map[string]string{providers.LabelOwner: suiteOwner, providers.LabelOp: suiteOp},
	}
}

// suiteLabels are the labels every instance the suite creates must carry.
func suiteLabels() map[string]string {
	return map[string]string{
		providers.LabelManagedBy: providers.ManagedByValue,
		providers.LabelOwner:     suiteOwner,
		providers.LabelOp:        suiteOp,
	}
}

// create creates an instance and destroys it when the subtest ends.
func (f *suiteFixture) create(name string) *providers.Instance {
	f.t.Helper()
	req := f.request(name)
	in, err := f.p.CreateInstance(f.ctx, req)
	if err != nil {
		f.t.Fatalf("CreateInstance(%q) error = %v", name, err)
	}
	if in == nil || in.ID == "" {
		f.t.Fatalf("CreateInstance(%q) = %+v, want an instance with an id", name, in)
	}
	f.destroyAtEnd(in.ID)
	return in
}

// destroyAtEnd destroys instance id when the subtest ends; it is harmless
// when the subtest destroyed it already.
func (f *suiteFixture) destroyAtEnd(id string) {
	p, t := f.p, f.t
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
		defer cancel()
		if err := p.DestroyInstance(ctx, id); err != nil {
			t.Errorf("cleanup: DestroyInstance(%q) error = %v", id, err)
		}
	})
}

// waitReady waits for instance id and checks that it is ready.
func (f *suiteFixture) waitReady(id string) *providers.Instance {
	f.t.Helper()
	in, err := f.p.WaitReady(f.ctx, id)
	if err != nil {
		f.t.Fatalf("WaitReady(%q) error = %v", id, err)
	}
	if !in.Ready() {
		f.t.Fatalf("WaitReady(%q) = %+v, want an active instance with an IP", id, in)
	}
	return in
}

// list returns what ListInstances reports and checks that every listed
// instance carries managed-by=spuff.
func (f *suiteFixture) list() []providers.Instance {
	f.t.Helper()
	list, err := f.p.ListInstances(f.ctx)
	if err != nil {
		f.t.Fatalf("ListInstances() error = %v", err)
	}
	for _, in := range list {
		if in.Labels[providers.LabelManagedBy] != providers.ManagedByValue {
			f.t.Errorf("ListInstances() includes %s with labels %v, want only %s=%s", in.ID, in.Labels,
				providers.LabelManagedBy, providers.ManagedByValue)
		}
	}
	return list
}

// listIDs returns the sorted ids of the instances ListInstances reports.
func (f *suiteFixture) listIDs() []string {
	f.t.Helper()
	var ids []string
	for _, in := range f.list() {
		ids = append(ids, in.ID)
	}
	slices.Sort(ids)
	return ids
}

// listSnapshots returns the id, name and owner of each snapshot ListSnapshots
// reports, sorted by id.
func (f *suiteFixture) listSnapshots() []providers.Snapshot {
	f.t.Helper()
	list, err := f.p.ListSnapshots(f.ctx)
	if err != nil {
		f.t.Fatalf("ListSnapshots() error = %v", err)
	}
	out := make([]providers.Snapshot, len(list))
	for i, s := range list {
		out[i] = providers.Snapshot{ID: s.ID, Name: s.Name, Owner: s.Owner}
	}
	slices.SortFunc(out, func(a, b providers.Snapshot) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// deleteSnapshotAtEnd deletes snapshot id when the subtest ends.
func (f *suiteFixture) deleteSnapshotAtEnd(id string) {
	p, t := f.p, f.t
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), suiteTimeout)
		defer cancel()
		if err := p.DeleteSnapshot(ctx, id); err != nil {
			t.Errorf("cleanup: DeleteSnapshot(%q) error = %v", id, err)
		}
	})
}

// waitResult is what WaitReady returned, for calls run in a goroutine.
type waitResult struct {
	in  *providers.Instance
	err error
}

// waitReadyGuarded runs WaitReady(ctx, id) and returns what it returned. It
// fails the subtest when the call has not returned suiteReturnTimeout after
// ctx ended, so that a WaitReady that ignores its context cannot hang Run.
func (f *suiteFixture) waitReadyGuarded(ctx context.Context, id string) waitResult {
	f.t.Helper()
	done := make(chan waitResult, 1)
	go func() {
		in, err := f.p.WaitReady(ctx, id)
		done <- waitResult{in, err}
	}()
	select {
	case r := <-done:
		return r
	case <-ctx.Done():
	}
	select {
	case r := <-done:
		return r
	case <-time.After(suiteReturnTimeout):
		f.t.Fatalf("WaitReady(%q) has not returned %v after its context ended (%v)", id, suiteReturnTimeout, ctx.Err())
		return waitResult{}
	}
}

// suiteWantKind fails the subtest unless errors.Is(err, want).
func suiteWantKind(t *testing.T, call string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s error = %v, want errors.Is(err, %s)", call, err, suiteErrName(want))
	}
}

// suiteErrName returns the Go name of a sentinel error, for messages.
func suiteErrName(err error) string {
	names := map[error]string{
		providers.ErrNotFound:    "providers.ErrNotFound",
		providers.ErrAuth:        "providers.ErrAuth",
		providers.ErrRateLimited: "providers.ErrRateLimited",
		providers.ErrQuota:       "providers.ErrQuota",
		providers.ErrInvalid:     "providers.ErrInvalid",
		providers.ErrNotManaged:  "providers.ErrNotManaged",
		providers.ErrConflict:    "providers.ErrConflict",
		providers.ErrFailed:      "providers.ErrFailed",
		context.Canceled:         "context.Canceled",
		context.DeadlineExceeded: "context.DeadlineExceeded",
	}
	if n, ok := names[err]; ok {
		return n
	}
	return err.Error()
}
