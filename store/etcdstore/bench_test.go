package etcdstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// BenchmarkConcurrentAccepts sends 90 accepts at once per iteration,
// spread over 3 replicas sharing one embedded etcd, as a burst of
// `/spuff up` would: each journals an operation, reserves an instance
// under the owner's cap and writes its audit line. It reports the
// transactions sent per accept (1 when no writer ever waits for another)
// and the 99th percentile of an accept's latency.
//
//   - people=90: every accept is someone else's.
//   - people=30: three accepts each, which must be serialised by the
//     owner's cap, so some are retried by design.
func BenchmarkConcurrentAccepts(b *testing.B) {
	const replicas, accepts = 3, 90
	endpoints := etcdtest.Start(b)
	for _, people := range []int{90, 30} {
		b.Run(fmt.Sprintf("people=%d", people), func(b *testing.B) {
			prefix := newPrefix()
			stores := make([]*etcdstore.Store, replicas)
			for i := range stores {
				s, err := etcdstore.Open(context.Background(), etcdstore.Config{Endpoints: endpoints, Prefix: prefix, ID: fmt.Sprintf("r%d", i)})
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = s.Close() })
				stores[i] = s
			}
			var latencies []time.Duration
			var mu sync.Mutex
			iter := 0
			for b.Loop() {
				var wg sync.WaitGroup
				for i := range accepts {
					s := stores[i%replicas]
					// New people every iteration, as in a burst of new requests.
					owner := fmt.Sprintf("U%d-%03d", iter, i%people)
					id := fmt.Sprintf("op-%d-%d", iter, i)
					wg.Go(func() {
						start := time.Now()
						_, created, err := s.Accept(context.Background(), store.Acceptance{
							Op:      store.Operation{ID: id, Key: "key-" + id, Kind: store.OpUp, State: store.OpAccepted, Owner: owner},
							Reserve: &store.Instance{Name: "vm-" + id, Owner: owner, Status: store.InstanceCreating, OpID: id},
							MaxLive: accepts / people,
							Audit:   &store.AuditEvent{Actor: owner, Action: "up", Target: "vm-" + id, Outcome: "accepted", OpID: id},
						})
						d := time.Since(start)
						if err != nil || !created {
							b.Errorf("Accept(%s) = %v, %v, want created", id, created, err)
						}
						mu.Lock()
						latencies = append(latencies, d)
						mu.Unlock()
					})
				}
				wg.Wait()
				iter++
			}
			var attempts int64
			for _, s := range stores {
				attempts += etcdstore.TxnAttempts(s)
			}
			slices.Sort(latencies)
			b.ReportMetric(float64(attempts)/float64(len(latencies)), "txn/accept")
			b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
		})
	}
}
