package slacktest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"
)

// webState records Web API calls and holds injected faults, guarded by
// Server.mu.
type webState struct {
	calls  []Call
	faults map[string][]fault
}

func (w *webState) init() { w.faults = make(map[string][]fault) }

// fault is one injected answer: a 429 or an error code.
type fault struct {
	status     int
	retryAfter time.Duration
	code       string
}

// takeFault pops the next fault for method.
func (w *webState) takeFault(method string) (fault, bool) {
	q := w.faults[method]
	if len(q) == 0 {
		return fault{}, false
	}
	w.faults[method] = q[1:]
	return q[0], true
}

// Call is one Web API call as it arrived (the token left out).
type Call struct {
	Method string
	At     time.Time
	// Params holds form fields (and query parameters).
	Params url.Values
	// Body is the JSON body of JSON calls (views.*), else nil.
	Body json.RawMessage
	// Status is the HTTP status answered; Error the Slack error code, or "".
	Status int
	Error  string
}

// Calls returns how many calls reached method (like "chat.postMessage"),
// failed ones included.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.web.calls {
		if c.Method == method {
			n++
		}
	}
	return n
}

// CallLog returns the calls to method in arrival order; an empty method
// returns every call.
func (s *Server) CallLog(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.web.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// RateLimitNext makes the next n calls to method answer HTTP 429 with
// Retry-After set to retryAfter, rounded up to whole seconds (slack-go
// returns *slack.RateLimitedError). Works for apps.connections.open too.
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	s.addFaults(method, n, fault{status: http.StatusTooManyRequests, retryAfter: retryAfter})
}

// FailNext makes the next n calls to method answer
// {"ok":false,"error":code}, for example "invalid_auth" on
// apps.connections.open (which ends slack-go's RunContext) or
// "internal_error".
func (s *Server) FailNext(method string, n int, code string) {
	s.addFaults(method, n, fault{code: code})
}

// ClearFaults drops every fault still queued.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.web.faults)
}

func (s *Server) addFaults(method string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.web.faults[method] = append(s.web.faults[method], f)
	}
}
