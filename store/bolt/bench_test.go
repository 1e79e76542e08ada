package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/spuffbot/spuffbot/store"
)

// Scale of the benchmarks: 10,000 stored instances spread over 200 owners
// (50 each), every other block of 200 destroyed, so half are live.
const benchTotal, benchOwners = 10_000, 200

// benchFile writes benchTotal instances into a new database file in one
// transaction (each CreateInstance would sync) and returns its path, the
// file closed.
func benchFile(b *testing.B) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "spuff.db")
	clk := newClock()
	t0 := clk.Now()
	db, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		for i := range benchTotal {
			inst := &store.Instance{
				Name: fmt.Sprintf("dev-%05d", i), Owner: fmt.Sprintf("U%03d", i%benchOwners),
				Provider: "hetzner", CloudID: fmt.Sprint(1_000_000 + i), Size: "cx22", Region: "fsn1",
				IP: "203.0.113.10", PriceHourly: 0.0071, Created: t0.Add(time.Duration(i) * time.Second),
				LeaseExpiry: t0.Add(8 * time.Hour), Status: store.InstanceReady, OpID: fmt.Sprintf("op-%05d", i),
			}
			if (i/benchOwners)%2 == 0 {
				inst.Status = store.InstanceDestroyed
			}
			if err := instances.put(tx, nil, inst); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkListInstances lists from 10,000 stored instances, one owner's
// (50) and everyone's, all of them and the live ones only.
func BenchmarkListInstances(b *testing.B) {
	db := openAt(b, benchFile(b), newClock())
	ctx := context.Background()
	bench := func(f store.InstanceFilter, want int) func(*testing.B) {
		return func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := db.ListInstances(ctx, f)
				if err != nil || len(got) != want {
					b.Fatalf("ListInstances(%+v) = %d instances, %v, want %d", f, len(got), err, want)
				}
			}
		}
	}
	b.Run("owner", bench(store.InstanceFilter{Owner: "U042"}, benchTotal/benchOwners))
	b.Run("owner-live", bench(store.InstanceFilter{Owner: "U042", LiveOnly: true}, benchTotal/benchOwners/2))
	b.Run("everyone", bench(store.InstanceFilter{}, benchTotal))
	b.Run("everyone-live", bench(store.InstanceFilter{LiveOnly: true}, benchTotal/2))
	b.Run("everyone-provider", bench(store.InstanceFilter{Provider: "hetzner"}, benchTotal))
}

// BenchmarkGetInstance reads single instances out of 10,000 stored: by
// name and by cloud id.
func BenchmarkGetInstance(b *testing.B) {
	db := openAt(b, benchFile(b), newClock())
	ctx := context.Background()
	b.Run("name", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.GetInstance(ctx, "dev-04242"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("cloud-id", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := db.FindInstanceByCloudID(ctx, "hetzner", "1004242"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkIdleMemory10k opens a file holding 10,000 instances, as the bot
// does when it starts, and reports, after a garbage collection with the DB
// open and idle: db-heap-MB, the heap the open DB accounts for (the store's
// share of the bot's idle memory); heap-inuse-MB, the test process's whole
// heap in use; sys-MB, all the Go runtime has taken from the system, which
// includes the peak of writing the file in one transaction. The file itself
// is mapped, not on the heap. The time per operation is the time Open takes.
func BenchmarkIdleMemory10k(b *testing.B) {
	path := benchFile(b)
	var base, open runtime.MemStats
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&base)
		b.StartTimer()
		db, err := Open(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&open)
		runtime.KeepAlive(db)
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	const mb = 1 << 20
	b.ReportMetric(float64(open.HeapInuse)/mb, "heap-inuse-MB")
	b.ReportMetric(float64(open.Sys)/mb, "sys-MB")
	b.ReportMetric((float64(open.HeapInuse)-float64(base.HeapInuse))/mb, "db-heap-MB")
}

// BenchmarkCreateOperation journals a new operation per iteration (one
// synced write each) and, for "seen", answers a redelivered key.
func BenchmarkCreateOperation(b *testing.B) {
	ctx := context.Background()
	b.Run("new", func(b *testing.B) {
		db, _ := openTest(b)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			i++
			op := store.Operation{ID: fmt.Sprintf("op-%d", i), Key: fmt.Sprintf("env-%d", i), Kind: store.OpUp,
				State: store.OpAccepted, Owner: "U042", Provider: "hetzner", Request: []byte(`{"size":"cx22"}`)}
			if _, created, err := db.CreateOperation(ctx, op); err != nil || !created {
				b.Fatalf("CreateOperation = %v, %v", created, err)
			}
		}
	})
	b.Run("seen", func(b *testing.B) {
		db, _ := openTest(b)
		op := store.Operation{ID: "op-1", Key: "env-1", Kind: store.OpUp, State: store.OpAccepted, Owner: "U042"}
		if _, _, err := db.CreateOperation(ctx, op); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, created, err := db.CreateOperation(ctx, op); err != nil || created {
				b.Fatalf("CreateOperation = %v, %v", created, err)
			}
		}
	})
}
