package bolt

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

func TestCacheAgreesAfterReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	clk := newClock()
	db := openAt(t, path, clk)
	seed(t, db, clk)
	checkAgrees(t, db)
	before, err := db.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openAt(t, path, clk)
	checkAgrees(t, db)
	after, err := db.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(before, after); diff != "" {
		t.Errorf("ListInstances after reopen (-before +after):\n%s", diff)
	}
}

func TestCacheUnchangedByFailedWrites(t *testing.T) {
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	errNo := errors.New("no thanks")
	tests := []struct {
		name  string
		write func(db *DB) error
	}{
		{"update fn error", func(db *DB) error {
			_, err := db.UpdateInstance(ctx, "dev-0", func(i *store.Instance) error {
				i.Owner, i.CloudID, i.Status, i.Created = "U9", "999", store.InstanceFailed, time.Time{}
				return errNo
			})
			return err
		}},
		{"update renames", func(db *DB) error {
			_, err := db.UpdateInstance(ctx, "dev-0", func(i *store.Instance) error { i.Name, i.Owner = "other", "U9"; return nil })
			return err
		}},
		{"update missing", func(db *DB) error {
			_, err := db.UpdateInstance(ctx, "nope", func(i *store.Instance) error { return nil })
			return err
		}},
		{"update canceled", func(db *DB) error {
			_, err := db.UpdateInstance(canceled, "dev-0", func(i *store.Instance) error { i.Owner = "U9"; return nil })
			return err
		}},
		{"create over a live one", func(db *DB) error {
			return db.CreateInstance(ctx, store.Instance{Name: "dev-0", Owner: "U9", Status: store.InstanceCreating})
		}},
		{"put over another operation's", func(db *DB) error {
			return db.PutInstance(ctx, store.Instance{Name: "dev-0", Owner: "U9", OpID: "op-9", Status: store.InstanceReady})
		}},
		{"create canceled", func(db *DB) error {
			return db.CreateInstance(canceled, store.Instance{Name: "new", Owner: "U9", Status: store.InstanceCreating})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, clk := openTest(t)
			seed(t, db, clk)
			before, err := db.ListInstances(ctx, store.InstanceFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if err := tt.write(db); err == nil {
				t.Fatalf("%s = nil error, want one", tt.name)
			}
			after, err := db.ListInstances(ctx, store.InstanceFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(before, after); diff != "" {
				t.Errorf("instances after %s (-before +after):\n%s", tt.name, diff)
			}
			checkAgrees(t, db)
		})
	}
}

// TestCacheConcurrent runs writers, failing writers and readers at once;
// afterwards memory and file must agree and no increment may be lost.
func TestCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	const instCount, workers, rounds = 4, 8, 6
	for i := range instCount {
		mustCreate(t, db, store.Instance{Name: fmt.Sprintf("dev-%d", i), Owner: "U0", Provider: "hetzner",
			CloudID: fmt.Sprint(i), Status: store.InstanceReady, Created: clk.Advance(time.Second)})
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for r := range rounds {
				name := fmt.Sprintf("dev-%d", (w+r)%instCount)
				_, err := db.UpdateInstance(ctx, name, func(i *store.Instance) error {
					i.PriceHourly++
					i.Owner, i.CloudID = fmt.Sprintf("U%d", w%3), fmt.Sprint(w*100+r)
					i.Created = i.Created.Add(time.Millisecond) // moves it in the ordered lists
					return nil
				})
				if err != nil {
					t.Errorf("UpdateInstance(%q) = %v", name, err)
				}
				_, err = db.UpdateInstance(ctx, name, func(i *store.Instance) error { i.Owner = "U9"; return errors.New("no") })
				if err == nil {
					t.Errorf("UpdateInstance(%q) with failing fn = nil error", name)
				}
				fresh := store.Instance{Name: fmt.Sprintf("w%d-%d", w, r), Owner: "U1", Provider: "aws",
					CloudID: fmt.Sprint(r), Status: store.InstanceCreating, OpID: fmt.Sprint(w)}
				if err := db.PutInstance(ctx, fresh); err != nil {
					t.Errorf("PutInstance(%q) = %v", fresh.Name, err)
				}
			}
		})
		wg.Go(func() {
			for r := range rounds * 3 {
				if _, err := db.ListInstances(ctx, store.InstanceFilter{Owner: fmt.Sprintf("U%d", r%3)}); err != nil {
					t.Errorf("ListInstances = %v", err)
				}
				if _, err := db.ListInstances(ctx, store.InstanceFilter{LiveOnly: true}); err != nil {
					t.Errorf("ListInstances = %v", err)
				}
				_, err := db.FindInstanceByCloudID(ctx, "aws", fmt.Sprint(r%rounds))
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("FindInstanceByCloudID = %v", err)
				}
			}
		})
	}
	wg.Wait()
	checkAgrees(t, db)
	all, err := db.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, i := range all {
		sum += i.PriceHourly
	}
	if want := instCount + workers*rounds; len(all) != want || sum != workers*rounds {
		t.Errorf("after concurrent writes: %d instances, %v increments, want %d and %d", len(all), sum, want, workers*rounds)
	}
}

// TestCacheHandsOutCopies changes what the DB returned and checks that the
// DB's answers stay the same.
func TestCacheHandsOutCopies(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	seed(t, db, clk)
	before := fileInstances(t, db)
	spoil := func(i *store.Instance) { i.Owner, i.CloudID, i.Status = "spoiled", "spoiled", store.InstanceFailed }

	got, err := db.GetInstance(ctx, "dev-0")
	if err != nil {
		t.Fatal(err)
	}
	spoil(got)
	list, err := db.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range list {
		spoil(&list[i])
	}
	if got, err = db.FindInstanceByCloudID(ctx, "hetzner", "100"); err != nil {
		t.Fatal(err)
	}
	spoil(got)
	if got, err = db.UpdateInstance(ctx, "dev-4", func(i *store.Instance) error { i.IP = "203.0.113.4"; return nil }); err != nil {
		t.Fatal(err)
	}
	spoil(got)
	before[slices.IndexFunc(before, func(i store.Instance) bool { return i.Name == "dev-4" })].IP = "203.0.113.4"

	after, err := db.ListInstances(ctx, store.InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(before, after); diff != "" {
		t.Errorf("instances after changing returned copies (-want +got):\n%s", diff)
	}
	checkAgrees(t, db)
}

// TestCloneInstanceIsDeep fails when Instance gains a field that a plain
// copy would share (a map, slice or pointer), until cloneInstance copies it
// and this test learns the field.
func TestCloneInstanceIsDeep(t *testing.T) {
	deepCopied := map[string]bool{} // fields cloneInstance copies deeply
	for _, f := range reflect.VisibleFields(reflect.TypeFor[store.Instance]()) {
		switch f.Type.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface, reflect.Chan, reflect.Func, reflect.UnsafePointer:
			if !deepCopied[f.Name] {
				t.Errorf("Instance.%s (%s) would be shared by cloneInstance's copies", f.Name, f.Type)
			}
		}
	}
}

func TestClosedDBAnswersNothing(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	seed(t, db, clk)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := db.GetInstance(ctx, "dev-0"); err == nil {
		t.Errorf("GetInstance after Close = %+v, nil error, want an error", got)
	}
	if got, err := db.ListInstances(ctx, store.InstanceFilter{}); err == nil {
		t.Errorf("ListInstances after Close = %d instances, nil error, want an error", len(got))
	}
	if got, err := db.FindInstanceByCloudID(ctx, "hetzner", "100"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("FindInstanceByCloudID after Close = %+v, %v, want an error other than not found", got, err)
	}
	if err := db.CreateInstance(ctx, store.Instance{Name: "late"}); err == nil {
		t.Errorf("CreateInstance after Close = nil error, want one")
	}
}

func TestOpenRefusesUndecodableInstance(t *testing.T) {
	tests := []struct{ name, key, value string }{
		{"not json", "dev", "{oops"},
		{"stored under another name", "dev", `{"name":"other","owner":"U1"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "spuff.db")
			db := openAt(t, path, newClock())
			err := db.bolt.Update(func(tx *bbolt.Tx) error {
				return tx.Bucket(bucketInstances).Put([]byte(tt.key), []byte(tt.value))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if db, err := Open(path, Options{}); err == nil {
				db.Close()
				t.Errorf("Open of a file with instance %q = %q = nil error, want one", tt.key, tt.value)
			}
		})
	}
}

func TestCompareInstances(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		a, b store.Instance
		want int
	}{
		{store.Instance{Name: "b", Created: t0}, store.Instance{Name: "a", Created: t0.Add(time.Nanosecond)}, -1},
		{store.Instance{Name: "a", Created: t0}, store.Instance{Name: "b", Created: t0}, -1},
		{store.Instance{Name: "a", Created: t0}, store.Instance{Name: "a", Created: t0.In(time.FixedZone("X", 3600))}, 0},
	}
	for _, tt := range tests {
		if got := compareInstances(&tt.a, &tt.b); cmp.Compare(got, 0) != tt.want {
			t.Errorf("compareInstances(%s@%v, %s@%v) = %d, want sign %d", tt.a.Name, tt.a.Created, tt.b.Name, tt.b.Created, got, tt.want)
		}
	}
}

// TestCacheHoldsWhatTheFileHolds writes times with a monotonic reading and
// a location of their own: what the DB answers must be what it answers
// after a reopen, representation and all, not merely the same instants.
func TestCacheHoldsWhatTheFileHolds(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	db := openAt(t, path, newClock())
	now := time.Now() // has a monotonic reading
	inst := store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceReady, Created: now.In(time.FixedZone("X", 5400)),
		LeaseExpiry: now.Add(time.Hour)}
	if err := db.CreateInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateInstance(ctx, "dev", func(i *store.Instance) error { i.WarnedAt = time.Now(); return nil }); err != nil {
		t.Fatal(err)
	}
	before, err := db.GetInstance(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = openAt(t, path, newClock())
	after, err := db.GetInstance(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("GetInstance before reopen = %+v, after = %+v, want them identical", *before, *after)
	}
}
