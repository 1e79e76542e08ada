package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// errContended is wrapped by the error of a write that kept losing to
// other writers: casAttempts times, or for longer than casDeadline.
var errContended = errors.New("too many concurrent writers")

// Bounds of a compare-and-swap loop: the attempts it makes, the time it
// may take, and the pause between attempts, which doubles from
// casBackoffMin up to casBackoffMax and is jittered so that the writers
// that collided do not collide again.
const (
	casAttempts   = 100
	casDeadline   = 10 * time.Second
	casBackoffMin = time.Millisecond
	casBackoffMax = 64 * time.Millisecond
)

// cas runs attempt until it reports done or fails. attempt returns
// done false when another writer changed what it read; it is then run
// again after a jittered pause, at most casAttempts times in all, and not
// after casDeadline has passed since the first. The deadline ends the
// retrying, not a request under way: a slow etcd is waited for as long as
// ctx allows, a contended key is not.
func (s *Store) cas(ctx context.Context, attempt func(ctx context.Context) (done bool, err error)) error {
	deadline := time.Now().Add(casDeadline)
	pause := casBackoffMin
	for n := 1; ; n++ {
		s.txnAttempts.Add(1)
		done, err := attempt(ctx)
		if err != nil || done {
			return err
		}
		wait := pause/2 + rand.N(pause/2+1)
		if n == casAttempts || time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("%w: gave up after %d attempts", errContended, n)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		pause = min(2*pause, casBackoffMax)
	}
}
