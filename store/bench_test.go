package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BenchmarkListInstances lists from 10,000 stored instances spread over
// 200 owners, one owner's (50) and everyone's.
func BenchmarkListInstances(b *testing.B) {
	const total, owners = 10_000, 200
	db, clk := openTest(b)
	t0 := clk.Now()
	// One transaction for the setup; each CreateInstance would sync.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		for i := range total {
			inst := &Instance{
				Name: fmt.Sprintf("dev-%05d", i), Owner: fmt.Sprintf("U%03d", i%owners),
				Provider: "hetzner", CloudID: fmt.Sprint(1_000_000 + i), Size: "cx22", Region: "fsn1",
				IP: "203.0.113.10", PriceHourly: 0.0071, Created: t0.Add(time.Duration(i) * time.Second),
				LeaseExpiry: t0.Add(8 * time.Hour), Status: InstanceReady, OpID: fmt.Sprintf("op-%05d", i),
			}
			if (i/owners)%2 == 0 {
				inst.Status = InstanceDestroyed
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
	ctx := context.Background()
	bench := func(f InstanceFilter, want int) func(*testing.B) {
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
	b.Run("owner", bench(InstanceFilter{Owner: "U042"}, total/owners))
	b.Run("owner-live", bench(InstanceFilter{Owner: "U042", LiveOnly: true}, total/owners/2))
	b.Run("everyone", bench(InstanceFilter{}, total))
	b.Run("everyone-live", bench(InstanceFilter{LiveOnly: true}, total/2))
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
			op := Operation{ID: fmt.Sprintf("op-%d", i), Key: fmt.Sprintf("env-%d", i), Kind: OpUp,
				State: OpAccepted, Owner: "U042", Provider: "hetzner", Request: []byte(`{"size":"cx22"}`)}
			if _, created, err := db.CreateOperation(ctx, op); err != nil || !created {
				b.Fatalf("CreateOperation = %v, %v", created, err)
			}
		}
	})
	b.Run("seen", func(b *testing.B) {
		db, _ := openTest(b)
		op := Operation{ID: "op-1", Key: "env-1", Kind: OpUp, State: OpAccepted, Owner: "U042"}
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
