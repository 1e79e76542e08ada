package providertest

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Fault is an injected failure: the emulator answers with Status (and
// Headers) instead of serving the call. Status 0 with Delay set only slows
// the call down.
type Fault struct {
	Status  int
	Headers map[string]string
	// Delay is slept before the call is answered (or failed).
	Delay time.Duration
	// AfterServe applies the fault after the call was served: the state
	// changes but the client sees the failure, as when a reply is lost on
	// the wire.
	AfterServe bool
	// Conflict answers as the cloud answers a create whose name is taken
	// (with Status 409): Hetzner's uniqueness_error, DigitalOcean's 409.
	Conflict bool
	// Drop closes the connection instead of answering, as a connection
	// that drops does; with AfterServe, after the call was carried out.
	Drop bool
}

// failing reports whether f fails the call rather than only slowing it.
func (f Fault) failing() bool { return f.Status != 0 || f.Drop }

// Dropped closes the connection under w without an answer when f.Drop,
// and reports whether it did; an emulator calls it before it writes f.
func (f Fault) Dropped(w http.ResponseWriter) bool {
	if !f.Drop {
		return false
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return true
		}
	}
	panic("providertest: Fault.Drop needs a connection that can be hijacked (HTTP/1.1)")
}

// Knobs is the fault and counting machinery shared by every emulator. The
// zero value injects nothing; all methods are safe for concurrent use.
type Knobs struct {
	mu       sync.Mutex
	next     []Fault // served in order, one per call
	nextOn   map[string][]Fault
	fraction float64
	frac     Fault
	token    string
	calls    map[string]int
	rng      *rand.Rand
}

// FailNext makes the next n calls fail with f.
func (k *Knobs) FailNext(n int, f Fault) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for range n {
		k.next = append(k.next, f)
	}
}

// FailNextOn makes the next n calls to endpoint (named as Calls names
// it) fail with f; they come before faults set with FailNext.
func (k *Knobs) FailNextOn(endpoint string, n int, f Fault) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.nextOn == nil {
		k.nextOn = make(map[string][]Fault)
	}
	for range n {
		k.nextOn[endpoint] = append(k.nextOn[endpoint], f)
	}
}

// ClearFaults drops the faults set with FailNext and FailNextOn that have
// not been applied yet; FailFraction stays.
func (k *Knobs) ClearFaults() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.next, k.nextOn = nil, nil
}

// FailFraction makes a fraction (0..1) of calls fail with f, chosen by a
// seeded generator so that runs repeat.
func (k *Knobs) FailFraction(fraction float64, f Fault) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fraction, k.frac = fraction, f
	k.rng = rand.New(rand.NewPCG(1, 2))
}

// RequireToken makes calls whose bearer token differs from token fail with
// 401. An empty token accepts any.
func (k *Knobs) RequireToken(token string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.token = token
}

// Calls returns how many calls reached endpoint, named "METHOD /path" with
// ids replaced by "{id}" (as the emulator names them).
func (k *Knobs) Calls(endpoint string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[endpoint]
}

// TotalCalls returns the number of calls to every endpoint.
func (k *Knobs) TotalCalls() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, c := range k.calls {
		n += c
	}
	return n
}

// ResetCalls sets every call counter to zero.
func (k *Knobs) ResetCalls() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = nil
}

// Admit counts a call to endpoint and returns the fault to apply, if any.
// authorized is the bearer token check result the emulator computed from
// the request; an empty want token skips it.
func (k *Knobs) Admit(endpoint string, r *http.Request) (f Fault, fail bool, authOK bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.calls == nil {
		k.calls = make(map[string]int)
	}
	k.calls[endpoint]++
	authOK = k.token == "" || bearer(r) == k.token
	if q := k.nextOn[endpoint]; len(q) > 0 {
		f, k.nextOn[endpoint] = q[0], q[1:]
		return f, f.failing(), authOK
	}
	if len(k.next) > 0 {
		f, k.next = k.next[0], k.next[1:]
		return f, f.failing(), authOK
	}
	if k.fraction > 0 && k.rng.Float64() < k.fraction {
		return k.frac, k.frac.failing(), authOK
	}
	return Fault{}, false, authOK
}

// Token returns the token RequireToken set.
func (k *Knobs) Token() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.token
}

func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if t, ok := strings.CutPrefix(h, "Bearer "); ok {
		return t
	}
	return ""
}

// WriteHeaders copies f's headers to w.
func (f Fault) WriteHeaders(w http.ResponseWriter) {
	for k, v := range f.Headers {
		w.Header().Set(k, v)
	}
}
