package digitalocean

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// retryMode says which failures a call may be repeated after.
type retryMode int

const (
	// retryIdempotent repeats after rate limits, server errors and lost
	// replies: doing the call twice is harmless (reads, deletes).
	retryIdempotent retryMode = iota
	// retryUnserved repeats only after a rate limit, where the API refused
	// the call without carrying it out.
	retryUnserved
)

// call runs fn, retrying as mode allows with waits from retryWait.
func (p *Provider) call(ctx context.Context, mode retryMode, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		wait, ok := p.retryWait(err, mode == retryIdempotent, attempt)
		if !ok {
			return err
		}
		p.log.DebugContext(ctx, "retrying call", "provider", Name, "attempt", attempt+1, "wait", wait, "err", err)
		if serr := sleep(ctx, wait); serr != nil {
			return fmt.Errorf("%w (stopped retrying: %w)", err, serr)
		}
	}
}

// retryWait returns how long to wait before retry number attempt+1 after
// err, and whether to retry at all. Rate limits are always retried, with
// the wait the API asked for; transient failures only when transientOK.
// Every wait is capped by MaxRetryWait.
func (p *Provider) retryWait(err error, transientOK bool, attempt int) (time.Duration, bool) {
	if attempt >= p.maxRetries {
		return 0, false
	}
	if ra, limited := providers.RetryAfter(err); limited {
		if ra <= 0 {
			ra = p.backoff(attempt)
		}
		return min(ra, p.maxRetryWait), true
	}
	var te *transientError
	if transientOK && errors.As(err, &te) {
		return p.backoff(attempt), true
	}
	return 0, false
}

// backoff is RetryBackoff doubled per attempt, capped, with the upper half
// jittered so that many clients do not retry in step.
func (p *Provider) backoff(attempt int) time.Duration {
	d := p.retryBackoff << min(attempt, 20)
	if d <= 0 || d > p.maxRetryWait {
		d = p.maxRetryWait
	}
	half := d / 2
	return half + rand.N(half+1)
}

// transient reports whether err may go away by itself: a rate limit or a
// transient failure.
func transient(err error) bool {
	var te *transientError
	return errors.Is(err, providers.ErrRateLimited) || errors.As(err, &te)
}

// sleep waits for d or until ctx ends, and then returns ctx's error.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// poller yields growing poll intervals: PollInterval, then half again
// longer each time, up to five times PollInterval.
type poller struct{ next, max time.Duration }

func (p *Provider) newPoller() *poller { return &poller{next: p.poll, max: 5 * p.poll} }

// wait sleeps for the next interval, or for atLeast when that is longer
// (a rate limit's Retry-After), and returns ctx's error if ctx ends first.
func (pl *poller) wait(ctx context.Context, atLeast time.Duration) error {
	d := max(pl.next, atLeast)
	pl.next = min(pl.next+pl.next/2, pl.max)
	return sleep(ctx, d)
}
