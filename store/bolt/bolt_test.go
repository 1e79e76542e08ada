package bolt

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

// clock is a test clock that moves only when told to.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return c.t
}

// openAt opens the database at path with the test clock and a short lock
// timeout, and closes it when the test ends.
func openAt(t testing.TB, path string, clk *clock) *DB {
	t.Helper()
	db, err := Open(path, Options{Timeout: 100 * time.Millisecond, Now: clk.Now})
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openTest opens a fresh database in a temporary directory.
func openTest(t testing.TB) (*DB, *clock) {
	t.Helper()
	clk := newClock()
	return openAt(t, filepath.Join(t.TempDir(), "spuff.db"), clk), clk
}

func mustCreate(t *testing.T, db *DB, insts ...store.Instance) {
	t.Helper()
	for _, inst := range insts {
		if err := db.CreateInstance(context.Background(), inst); err != nil {
			t.Fatalf("CreateInstance(%q) = %v", inst.Name, err)
		}
	}
}

func TestOpenCreatesPrivateFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "spuff")
	path := filepath.Join(dir, "spuff.db")
	db := openAt(t, path, newClock())
	if got := db.Path(); got != path {
		t.Errorf("Path() = %q, want %q", got, path)
	}
	for _, c := range []struct {
		path string
		want os.FileMode
	}{{path, 0o600}, {dir, 0o700}} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("mode of %s = %v, want %v", c.path, got, c.want)
		}
	}
}

func TestOpenInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spuff.db")
	first, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("Open(%q) = %v", path, err)
	}
	_, err = Open(path, Options{Timeout: 100 * time.Millisecond})
	if !errors.Is(err, store.ErrInUse) {
		t.Fatalf("second Open(%q) = %v, want %v", path, err, store.ErrInUse)
	}
	want := "database " + path + " is in use by another spuffbot process"
	if err.Error() != want {
		t.Errorf("second Open(%q) error = %q, want %q", path, err, want)
	}
	if err := first.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	again, err := Open(path, Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("Open(%q) after Close = %v", path, err)
	}
	if err := again.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spuff.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	setSchemaVersion(t, path, "4")

	_, err = Open(path, Options{})
	if !errors.Is(err, errSchemaTooNew) {
		t.Fatalf("Open(%q) of schema 4 = %v, want %v", path, err, errSchemaTooNew)
	}
	if !strings.Contains(err.Error(), "schema version 4") {
		t.Errorf("Open(%q) error = %q, want it to name schema version 4", path, err)
	}
}

func setSchemaVersion(t *testing.T, path, v string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(v))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpenRejectsOtherFiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(path, Options{}); err == nil {
		db.Close()
		t.Fatalf("Open(%q) of a text file = nil error, want one", path)
	}
}

// TestReopenKeepsEverything writes one record of every kind, closes the
// file, opens it again and reads them all back, indexes included.
func TestReopenKeepsEverything(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	clk := newClock()
	now := clk.Now()
	inst := store.Instance{
		Name: "dev-ada", Provider: "hetzner", CloudID: "4711", Owner: "U1", Size: "cx22",
		Region: "fsn1", IP: "203.0.113.7", PriceHourly: 0.0071, Created: now,
		LeaseExpiry: now.Add(8 * time.Hour), Status: store.InstanceReady, OpID: "op-1",
	}
	op := store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpRunning, Owner: "U1",
		Provider: "hetzner", Instance: "dev-ada", Request: []byte(`{"size":"cx22"}`)}
	appr := store.Approval{OpID: "op-1", State: store.ApprovalPending, Requester: "U1",
		Expires: now.Add(time.Hour), Cards: []string{"C1/1.2"}}
	key := store.SSHKey{Owner: "U1", Fingerprint: "SHA256:abc", Type: "ssh-ed25519",
		PublicKey: "ssh-ed25519 AAAA ada@laptop"}
	ev := store.AuditEvent{Actor: "U1", Action: "up", Target: "dev-ada", Outcome: "ok", OpID: "op-1"}

	db := openAt(t, path, clk)
	if err := db.CreateInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	op, _, err := db.CreateOperation(ctx, op)
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{db.PutApproval(ctx, appr), db.AddKey(ctx, key), db.Audit(ctx, ev)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, path, clk)
	gotInst, err := db.GetInstance(ctx, "dev-ada")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(inst, *gotInst); diff != "" {
		t.Errorf("GetInstance after reopen (-want +got):\n%s", diff)
	}
	byOwner, err := db.ListInstances(ctx, store.InstanceFilter{Owner: "U1"})
	if err != nil || len(byOwner) != 1 {
		t.Errorf("ListInstances(owner U1) after reopen = %v, %v, want 1 instance", byOwner, err)
	}
	if _, err := db.FindInstanceByCloudID(ctx, "hetzner", "4711"); err != nil {
		t.Errorf("FindInstanceByCloudID after reopen = %v", err)
	}
	gotOp, created, err := db.CreateOperation(ctx, store.Operation{ID: "op-2", Key: "env-1"})
	if err != nil || created {
		t.Errorf("CreateOperation(same key) after reopen = %v, %v, want the old one", created, err)
	}
	if diff := cmp.Diff(op, gotOp); diff != "" {
		t.Errorf("CreateOperation(same key) after reopen (-want +got):\n%s", diff)
	}
	appr.Created = now
	gotAppr, err := db.GetApproval(ctx, "op-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(appr, *gotAppr); diff != "" {
		t.Errorf("GetApproval after reopen (-want +got):\n%s", diff)
	}
	key.Added = now
	keys, err := db.ListKeys(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.SSHKey{key}, keys); diff != "" {
		t.Errorf("ListKeys after reopen (-want +got):\n%s", diff)
	}
	ev.Seq, ev.Time = 1, now
	events, err := db.ListAudit(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AuditEvent{ev}, events); diff != "" {
		t.Errorf("ListAudit after reopen (-want +got):\n%s", diff)
	}
	if err := db.Audit(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if events, _ := db.ListAudit(ctx, time.Time{}, 1); len(events) != 1 || events[0].Seq != 2 {
		t.Errorf("ListAudit(limit 1) after reopen and one more event = %+v, want seq 2", events)
	}
}
