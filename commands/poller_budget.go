package commands

import "time"

// cloudLimits is what the readiness poller knows of a cloud's API.
type cloudLimits struct {
	// perHour is the cloud's published request limit per hour; 0 for a
	// cloud without one (the demo cloud, a test's fake).
	perHour int
	// pageSize is how many instances one list request returns.
	pageSize int
}

// publishedLimits are the clouds' published API limits, by provider name:
// DigitalOcean allows 5,000 requests an hour per token (and 250 a
// minute), Hetzner Cloud 3,600 an hour per project. EC2 throttles
// DescribeInstances with a token bucket per account (100 requests, refilled
// at 20 a second); the poller counts it as 3,600 an hour, like Hetzner, to
// leave the rest of the account's automation alone. Page sizes are the
// ones the providers ask for.
var publishedLimits = map[string]cloudLimits{
	"digitalocean": {perHour: 5000, pageSize: 200},
	"hetzner":      {perHour: 3600, pageSize: 50},
	"aws":          {perHour: 3600, pageSize: 1000},
}

// defaultLimits are assumed for a cloud not in publishedLimits: no rate
// limit, so no budget.
var defaultLimits = cloudLimits{pageSize: 100}

func limitsOf(cloud string) cloudLimits {
	if l, ok := publishedLimits[cloud]; ok {
		return l
	}
	return defaultLimits
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
