package slacktest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// apiRequest is one Web API call: form fields or a JSON body.
type apiRequest struct {
	method string
	form   url.Values
	json   map[string]json.RawMessage
	body   []byte
	token  string
}

// str returns a string argument from the form or the JSON body.
func (r *apiRequest) str(key string) string {
	if v, ok := r.form[key]; ok && len(v) > 0 {
		return v[0]
	}
	if raw, ok := r.json[key]; ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
		return string(raw) // numbers and booleans
	}
	return ""
}

// has reports whether the argument was sent at all.
func (r *apiRequest) has(key string) bool {
	_, inForm := r.form[key]
	_, inJSON := r.json[key]
	return inForm || inJSON
}

// raw returns a JSON-valued argument: a JSON body field, or a form field
// holding a JSON string (as slack-go sends blocks).
func (r *apiRequest) raw(key string) json.RawMessage {
	if v, ok := r.form[key]; ok && len(v) > 0 {
		return json.RawMessage(v[0])
	}
	return r.json[key]
}

// reply is a Web API answer: a JSON body with ok true or false.
type reply struct {
	body map[string]any
	err  *apiError
}

func ok(fields map[string]any) reply {
	if fields == nil {
		fields = map[string]any{}
	}
	fields["ok"] = true
	return reply{body: fields}
}

func fail(err *apiError) reply { return reply{err: err} }

// apiError is {"ok":false,"error":code} with optional detail lines in
// response_metadata.messages, as Slack sends for invalid_blocks.
type apiError struct {
	code     string
	messages []string
}

func errCode(code string, messages ...string) *apiError {
	return &apiError{code: code, messages: messages}
}

func (e *apiError) body() map[string]any {
	b := map[string]any{"ok": false, "error": e.code}
	if len(e.messages) > 0 {
		b["response_metadata"] = map[string]any{"messages": e.messages}
	}
	return b
}

// tokenKind names which token a method accepts.
type tokenKind int

const (
	botToken tokenKind = iota
	appToken
	anyToken
)

type method struct {
	token  tokenKind
	handle func(*Server, *apiRequest) reply
}

// methods are the Web API methods the fake serves.
var methods = map[string]method{
	"apps.connections.open": {appToken, connectionsOpen},
	"auth.test":             {anyToken, authTest},
	"chat.postMessage":      {botToken, chatPostMessage},
	"chat.update":           {botToken, chatUpdate},
	"chat.postEphemeral":    {botToken, chatPostEphemeral},
	"chat.delete":           {botToken, chatDelete},
	"conversations.open":    {botToken, conversationsOpen},
	"conversations.history": {botToken, conversationsHistory},
	"conversations.replies": {botToken, conversationsReplies},
	"users.info":            {botToken, usersInfo},
	"views.open":            {botToken, viewsOpen},
	"views.update":          {botToken, viewsUpdate},
	"views.publish":         {botToken, viewsPublish},
}

// serveAPI answers POST /api/<method>.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(r)
	if err != nil {
		writeJSON(w, http.StatusOK, errCode("invalid_form_data").body())
		return
	}
	s.mu.Lock()
	status, body, header := s.callLocked(req)
	s.notifyLocked()
	s.mu.Unlock()
	for k, v := range header {
		w.Header().Set(k, v)
	}
	writeJSON(w, status, body)
}

// callLocked records the call and answers it: injected faults first,
// then authentication, then the method.
func (s *Server) callLocked(req *apiRequest) (int, map[string]any, map[string]string) {
	call := Call{Method: req.method, At: time.Now(), Params: redactToken(req.form)}
	if req.json != nil {
		call.Body = json.RawMessage(req.body)
	}
	status, body, header := http.StatusOK, map[string]any(nil), map[string]string(nil)
	m, known := methods[req.method]
	switch f, faulted := s.web.takeFault(req.method); {
	case faulted && f.status == http.StatusTooManyRequests:
		status = f.status
		header = map[string]string{"Retry-After": strconv.Itoa(int((f.retryAfter + time.Second - 1) / time.Second))}
		body = errCode("ratelimited").body()
	case faulted:
		body = errCode(f.code).body()
	case !known:
		body = errCode("unknown_method").body()
	default:
		if e := s.checkTokenLocked(m.token, req.token); e != nil {
			body = e.body()
			break
		}
		rep := m.handle(s, req)
		if rep.err != nil {
			body = rep.err.body()
		} else {
			body = rep.body
		}
	}
	call.Status = status
	if e, _ := body["error"].(string); e != "" {
		call.Error = e
	}
	s.web.calls = append(s.web.calls, call)
	return status, body, header
}

// checkTokenLocked answers not_authed or invalid_auth as Slack does.
func (s *Server) checkTokenLocked(kind tokenKind, token string) *apiError {
	if token == "" {
		return errCode("not_authed")
	}
	okApp, okBot := token == s.appToken, token == s.botToken
	if (kind == appToken && okApp) || (kind == botToken && okBot) || (kind == anyToken && (okApp || okBot)) {
		return nil
	}
	return errCode("invalid_auth")
}

// readRequest parses a form or JSON call and finds its token.
func readRequest(r *http.Request) (*apiRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		return nil, err
	}
	req := &apiRequest{method: strings.TrimPrefix(r.URL.Path, "/api/"), body: body}
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype == "application/json" {
		if len(body) > 0 {
			if err := json.Unmarshal(body, &req.json); err != nil {
				return nil, err
			}
		}
		req.form = r.URL.Query()
	} else {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range r.URL.Query() {
			form[k] = append(form[k], v...)
		}
		req.form = form
	}
	req.token = req.form.Get("token")
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		req.token = strings.TrimPrefix(auth, "Bearer ")
	}
	return req, nil
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func redactToken(form url.Values) url.Values {
	out := make(url.Values, len(form))
	for k, v := range form {
		if k != "token" {
			out[k] = append([]string(nil), v...)
		}
	}
	return out
}
