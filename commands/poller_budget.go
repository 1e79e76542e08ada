package commands

import (
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// cloudLimits is what the readiness poller knows of a cloud's API.
type cloudLimits struct {
	// perHour is the cloud's published request limit per hour; 0 for a
	// cloud without one (the demo cloud, a test's fake).
	perHour int
	// pageSize is how many instances one list request returns.
	pageSize int
}

// limitsOf returns the published API limits of a cloud, as its package
// registered them (providers.Cloud.RequestsPerHour, ListPageSize): a
// cloud without any, such as the demo cloud or a test's fake, gets no
// budget and pages of 100.
func limitsOf(cloud string) cloudLimits {
	l := cloudLimits{pageSize: 100}
	if c, ok := providers.Registered().Lookup(cloud); ok {
		l.perHour = c.RequestsPerHour
		if c.ListPageSize > 0 {
			l.pageSize = c.ListPageSize
		}
	}
	return l
}

// Shape of the poller's budget.
const (
	// budgetShare is the part of a cloud's hourly limit the poller may
	// spend on average: a quarter, leaving the rest to creates, destroys,
	// the reconciler and anything else that uses the same token.
	budgetShare = 4
	// budgetBurst is how much of the budget may be spent at once: ten
	// minutes' worth. Fifty instances booting together take well under
	// that at the full polling rate (one request a second for a minute).
	budgetBurst = 6
)

// budget is a token bucket of cloud requests: it holds at most capacity
// tokens and refills at rate tokens a second. The zero budget (a cloud
// without a rate limit) limits nothing.
type budget struct {
	capacity, rate float64
	tokens         float64
	at             time.Time // when tokens was last brought up to date
}

func newBudget(l cloudLimits, now time.Time) budget {
	if l.perHour <= 0 {
		return budget{}
	}
	perHour := float64(l.perHour) / budgetShare
	capacity := perHour / budgetBurst
	return budget{capacity: capacity, rate: perHour / 3600, tokens: capacity, at: now}
}

// refill brings tokens up to date at now.
func (b *budget) refill(now time.Time) {
	if now.After(b.at) {
		b.tokens = min(b.capacity, b.tokens+now.Sub(b.at).Seconds()*b.rate)
		b.at = now
	}
}

// readyAt returns the earliest time n requests fit in the budget; a cost
// above the capacity needs a full bucket.
func (b *budget) readyAt(n int) time.Time {
	if b.rate == 0 {
		return time.Time{}
	}
	need := min(float64(n), b.capacity)
	if b.tokens >= need {
		return b.at
	}
	return b.at.Add(time.Duration((need - b.tokens) / b.rate * float64(time.Second)))
}

// spend takes n requests from the budget at now; it may go below zero
// when a cost above the capacity is spent.
func (b *budget) spend(now time.Time, n int) {
	if b.rate == 0 {
		return
	}
	b.refill(now)
	b.tokens -= float64(n)
}
