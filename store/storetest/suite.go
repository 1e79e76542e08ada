// Package storetest is the behaviour suite every spuffbot store passes:
// the embedded bbolt store (store/bolt) and the etcd one (etcdstore.Store)
// run the same tests, so that the domain may use either.
//
// Run takes a function that opens a fresh, empty store for one test. The
// store's clock must be the real one (time.Now): the suite checks stamps
// such as Created against the time around the call. Missing records must
// be reported with errors wrapping store.ErrNotFound and duplicates with
// store.ErrExists, whatever the backend.
package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store"
)

// Store is every method of a spuffbot store (see store.Store).
type Store = store.Store

// Run runs the suite. open returns a new, empty store that uses the real
// clock; it is called once per test, and the store is the test's alone.
// open arranges, with t.Cleanup, whatever closing the store needs.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		test func(t *testing.T, open func(t *testing.T) Store)
	}{
		{"CreateInstance", testCreateInstance},
		{"PutInstance", testPutInstance},
		{"GetInstanceNotFound", testGetInstanceNotFound},
		{"OwnerIndex", testOwnerIndex},
		{"ListInstances", testListInstances},
		{"FindInstanceByCloudID", testFindInstanceByCloudID},
		{"UpdateInstance", testUpdateInstance},
		{"UpdateInstanceConcurrent", testUpdateInstanceConcurrent},
		{"CanceledContext", testCanceledContext},
		{"CreateOperation", testCreateOperation},
		{"CreateOperationConcurrent", testCreateOperationConcurrent},
		{"Accept", testAccept},
		{"AcceptConcurrent", testAcceptConcurrent},
		{"UpdateOperation", testUpdateOperation},
		{"ListOperations", testListOperations},
		{"OpenOperations", testOpenOperations},
		{"FindOperationByKey", testFindOperationByKey},
		{"ListEndedOperations", testListEndedOperations},
		{"PruneOperations", testPruneOperations},
		{"PruneAudit", testPruneAudit},
		{"RecordClick", testRecordClick},
		{"RecordClickConcurrent", testRecordClickConcurrent},
		{"PruneClicks", testPruneClicks},
		{"Approvals", testApprovals},
		{"Keys", testKeys},
		{"Audit", testAudit},
		{"AuditConcurrent", testAuditConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.test(t, open) })
	}
}

// t0 is the suite's reference time for records that carry their own.
var t0 = time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")

// errNo is the error the suite's update functions refuse with.
var errNo = errors.New("no thanks")

// window is the time around a call, to check the store's stamps with.
type window struct{ from, to time.Time }

// around returns a window that starts now; call close when the call is
// done.
func around() *window { return &window{from: time.Now()} }

func (w *window) close() *window { w.to = time.Now(); return w }

// check fails the test unless got is inside the window and in UTC.
func (w *window) check(t *testing.T, what string, got time.Time) {
	t.Helper()
	if got.Before(w.from.Truncate(time.Microsecond)) || got.After(w.to) || got.Location() != time.UTC {
		t.Errorf("%s = %v, want now (between %v and %v) in UTC", what, got, w.from.UTC(), w.to.UTC())
	}
}

func mustCreate(t *testing.T, s Store, insts ...store.Instance) {
	t.Helper()
	for _, inst := range insts {
		if err := s.CreateInstance(context.Background(), inst); err != nil {
			t.Fatalf("CreateInstance(%q) = %v", inst.Name, err)
		}
	}
}

func mustGet(t *testing.T, s Store, name string) store.Instance {
	t.Helper()
	inst, err := s.GetInstance(context.Background(), name)
	if err != nil {
		t.Fatalf("GetInstance(%q) = %v", name, err)
	}
	return *inst
}

// listNames returns the names ListInstances(f) gives, in its order.
func listNames(t *testing.T, s Store, f store.InstanceFilter) []string {
	t.Helper()
	insts, err := s.ListInstances(context.Background(), f)
	if err != nil {
		t.Fatalf("ListInstances(%+v) = %v", f, err)
	}
	var out []string
	for _, i := range insts {
		out = append(out, i.Name)
	}
	return out
}
