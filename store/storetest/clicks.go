package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/store"
)

// testRecordClick records a click first-wins: a second click with the
// same key, another button of the same card, writes nothing and gets the
// first one back.
func testRecordClick(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	if _, err := s.GetClick(ctx, "lease/D1/1.2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetClick of a key never clicked = %v, want %v", err, store.ErrNotFound)
	}
	first := store.Click{Key: "lease/D1/1.2", Action: "extend", Instance: "box", Actor: "U1"}
	w := around()
	got, created, err := s.RecordClick(ctx, first)
	w.close()
	if err != nil || !created {
		t.Fatalf("RecordClick(%+v) = %v, %v, want created", first, created, err)
	}
	w.check(t, "RecordClick's At", got.At)
	first.At = got.At
	if diff := gocmp.Diff(first, got); diff != "" {
		t.Errorf("RecordClick returned (-want +got):\n%s", diff)
	}

	second := store.Click{Key: first.Key, Action: "destroy", Instance: "box", Actor: "U2", Op: "op-2", At: t0}
	got, created, err = s.RecordClick(ctx, second)
	if err != nil || created {
		t.Fatalf("RecordClick of a key seen = %v, %v, want not created", created, err)
	}
	if diff := gocmp.Diff(first, got); diff != "" {
		t.Errorf("RecordClick of a key seen returned (-first +got):\n%s", diff)
	}
	stored, err := s.GetClick(ctx, first.Key)
	if err != nil {
		t.Fatalf("GetClick = %v", err)
	}
	if diff := gocmp.Diff(first, *stored); diff != "" {
		t.Errorf("GetClick after two clicks (-first +got):\n%s", diff)
	}

	// At, when given, is kept.
	third := store.Click{Key: "idle/D1/3.4", Action: "keep", Instance: "box", Actor: "U1", Op: "", At: t0}
	if got, created, err := s.RecordClick(ctx, third); err != nil || !created || !got.At.Equal(t0) {
		t.Errorf("RecordClick(%+v) = %+v, %v, %v, want it as given", third, got, created, err)
	}
	if _, _, err := s.RecordClick(ctx, store.Click{Action: "extend"}); err == nil {
		t.Error("RecordClick without a key = nil error, want one")
	}
}

// testRecordClickConcurrent records clicks with one key from many
// goroutines at once: exactly one wins, and every other gets it back.
func testRecordClickConcurrent(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	const n = 8
	var wg sync.WaitGroup
	won := make([]bool, n)
	got := make([]store.Click, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			got[i], won[i], errs[i] = s.RecordClick(ctx, store.Click{Key: "k", Action: "extend", Actor: fmt.Sprintf("U%d", i), At: t0})
		})
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("RecordClick #%d = %v", i, errs[i])
		}
		if won[i] {
			winners++
		}
		if got[i].Actor != got[0].Actor {
			t.Errorf("RecordClick #%d returned actor %s, #0 %s: want the same winner", i, got[i].Actor, got[0].Actor)
		}
	}
	if winners != 1 {
		t.Errorf("%d concurrent RecordClick calls created the click, want 1", winners)
	}
}

// testPruneClicks removes the clicks pressed before the cutoff, a batch
// at a time, and their keys with them: a key pruned may be clicked anew.
func testPruneClicks(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	day := 24 * time.Hour
	cutoff := t0.Add(-30 * day)
	times := []time.Time{cutoff.Add(-10 * day), cutoff.Add(-time.Nanosecond), cutoff.Add(-5 * day), cutoff, t0}
	for i, at := range times {
		c := store.Click{Key: fmt.Sprintf("k%d", i), Action: "extend", Actor: "U1", At: at}
		if _, created, err := s.RecordClick(ctx, c); err != nil || !created {
			t.Fatalf("RecordClick(%+v) = %v, %v", c, created, err)
		}
	}
	removed, passes := 0, 0
	for more := true; more; passes++ {
		if passes > 10 {
			t.Fatal("PruneClicks still reports more after 10 passes")
		}
		n, m, err := s.PruneClicks(ctx, cutoff, 2)
		if err != nil {
			t.Fatalf("PruneClicks = %v", err)
		}
		removed, more = removed+n, m
	}
	if removed != 3 {
		t.Errorf("PruneClicks removed %d, want 3", removed)
	}
	for i, at := range times {
		key := fmt.Sprintf("k%d", i)
		_, err := s.GetClick(ctx, key)
		if pruned := at.Before(cutoff); pruned != errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetClick(%q) pressed at %v after pruning at %v = %v", key, at, cutoff, err)
		}
	}
	if _, created, err := s.RecordClick(ctx, store.Click{Key: "k0", Action: "keep", Actor: "U2", At: t0}); err != nil || !created {
		t.Errorf("RecordClick of a pruned key = %v, %v, want created", created, err)
	}
	if n, more, err := s.PruneClicks(ctx, cutoff, 0); n != 0 || more || err != nil {
		t.Errorf("PruneClicks(limit 0) = %d, %v, %v, want 0, false, nil", n, more, err)
	}
}
