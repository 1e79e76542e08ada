package bolt

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

// fileInstances reads every instance straight from the file, bypassing the
// cache, and checks that the file's index buckets name exactly them.
func fileInstances(t *testing.T, db *DB) []store.Instance {
	t.Helper()
	var all []store.Instance
	err := db.bolt.View(func(tx *bbolt.Tx) error {
		var err error
		if all, err = instances.list(tx, nil, nil); err != nil {
			return err
		}
		var owners, clouds [][]byte
		for _, i := range all {
			owners = append(owners, ownerIndexKey(&i))
			if i.CloudID != "" {
				clouds = append(clouds, cloudIndexKey(&i))
			}
		}
		for _, idx := range []struct {
			bucket []byte
			want   [][]byte
		}{{bucketInstanceOwner, owners}, {bucketInstanceCloud, clouds}} {
			var got [][]byte
			_ = scan(tx.Bucket(idx.bucket), nil, func(k, _ []byte) error {
				got = append(got, bytes.Clone(k))
				return nil
			})
			slices.SortFunc(idx.want, bytes.Compare)
			if !gocmp.Equal(got, idx.want, cmpopts.EquateEmpty()) {
				t.Errorf("index bucket %s = %q, want %q", idx.bucket, got, idx.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("reading instances from the file: %v", err)
	}
	slices.SortFunc(all, func(a, b store.Instance) int { return compareInstances(&a, &b) })
	return all
}

// checkAgrees checks that every answer the DB gives about instances is the
// one the file gives, worked out from the file by brute force.
func checkAgrees(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	file := fileInstances(t, db)
	filters := []store.InstanceFilter{{}, {LiveOnly: true}, {Owner: "nobody"}, {Provider: "nowhere"}}
	for _, i := range file {
		filters = append(filters, store.InstanceFilter{Owner: i.Owner}, store.InstanceFilter{Owner: i.Owner, LiveOnly: true},
			store.InstanceFilter{Provider: i.Provider}, store.InstanceFilter{Owner: i.Owner, Provider: i.Provider})
	}
	for _, f := range filters {
		var want []store.Instance
		for _, i := range file {
			if (f.Owner == "" || i.Owner == f.Owner) && f.Keeps(&i) {
				want = append(want, i)
			}
		}
		got, err := db.ListInstances(ctx, f)
		if err != nil {
			t.Fatalf("ListInstances(%+v) = %v", f, err)
		}
		if diff := gocmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("ListInstances(%+v) differs from the file (-file +db):\n%s", f, diff)
		}
	}
	for _, want := range file {
		got, err := db.GetInstance(ctx, want.Name)
		if err != nil || !gocmp.Equal(*got, want) {
			t.Errorf("GetInstance(%q) = %+v, %v, want %+v", want.Name, got, err, want)
		}
		if want.CloudID == "" {
			continue
		}
		var best *store.Instance
		for _, i := range file {
			if i.Provider == want.Provider && i.CloudID == want.CloudID && (best == nil || better(&i, best)) {
				best = &i
			}
		}
		got, err = db.FindInstanceByCloudID(ctx, want.Provider, want.CloudID)
		if err != nil || !gocmp.Equal(*got, *best) {
			t.Errorf("FindInstanceByCloudID(%q, %q) = %+v, %v, want %+v", want.Provider, want.CloudID, got, err, *best)
		}
	}
}

// seed stores instances of three owners on two clouds, created in an
// order that is not their names' and some at the same time, and changes
// some of them, so that indexes have entries to lose.
func seed(t *testing.T, db *DB, clk *clock) {
	t.Helper()
	ctx := context.Background()
	t0 := clk.Now()
	for i := range 9 {
		status := store.InstanceReady
		if i%4 == 3 {
			status = store.InstanceDestroyed
		}
		mustCreate(t, db, store.Instance{Name: fmt.Sprintf("dev-%d", i), Owner: fmt.Sprintf("U%d", i%3),
			Provider: []string{"hetzner", "aws"}[i%2], CloudID: fmt.Sprint(100 + i%5), Status: status,
			OpID: fmt.Sprintf("op-%d", i), Created: t0.Add(time.Duration((i*5)%9/2) * time.Minute)})
	}
	clk.Advance(time.Hour)
	steps := []func() error{
		func() error {
			_, err := db.UpdateInstance(ctx, "dev-1", func(i *store.Instance) error { i.Owner, i.CloudID = "U2", ""; return nil })
			return err
		},
		func() error {
			return db.PutInstance(ctx, store.Instance{Name: "dev-2", Owner: "U0", Provider: "aws", CloudID: "7",
				Status: store.InstanceReady, OpID: "op-2", Created: clk.Advance(time.Minute)})
		},
		func() error {
			return db.CreateInstance(ctx, store.Instance{Name: "dev-3", Owner: "U1", Provider: "aws", Status: store.InstanceCreating})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
}
