package slacktest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"time"
)

// Response URLs take at most this many posts, for this long.
const (
	maxResponseURLUses = 5
	responseURLTTL     = 30 * time.Minute
)

// responseTarget is where posts to one response_url land.
type responseTarget struct {
	channel, user string
	// messageTS is the message replace_original and delete_original act
	// on: the message holding the button, or for a slash command the last
	// reply sent through this URL (follow set).
	messageTS string
	ephemeral bool
	follow    bool
	uses      int
	expires   time.Time
}

// ResponseURLPost is one post to a response_url.
type ResponseURLPost struct {
	Body            json.RawMessage
	Text            string
	Blocks          json.RawMessage
	ResponseType    string
	ReplaceOriginal bool
	DeleteOriginal  bool
	ThreadTS        string
	At              time.Time
	// Err is the error answered ("invalid_blocks", "used_url" ...), or "".
	Err string
}

// responsePayload is the JSON a response_url accepts.
type responsePayload struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	Attachments     json.RawMessage `json:"attachments"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

// responseURLLocked registers a response_url for id and returns it.
func (s *Server) responseURLLocked(id string, t *responseTarget) string {
	t.expires = time.Now().Add(responseURLTTL)
	s.model.responses[id] = t
	return s.http.URL + "/response/" + id
}

// ResponseURLPosts returns the posts to a response_url, in order. For
// commands and buttons sent by this server the id is the envelope id.
func (s *Server) ResponseURLPosts(id string) []ResponseURLPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ResponseURLPost(nil), s.model.posts[id]...)
}

// serveResponseURL answers POST /response/<id>: 200 {"ok":true} when the
// post took effect, otherwise 400 (bad content) or 404 (unknown, expired
// or used up) with {"ok":false,"error":code}.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/response/")
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	post := ResponseURLPost{Body: body, At: time.Now()}
	var p responsePayload
	if err == nil {
		err = json.Unmarshal(body, &p)
	}
	post.Text, post.Blocks, post.ResponseType = p.Text, p.Blocks, p.ResponseType
	post.ReplaceOriginal, post.DeleteOriginal, post.ThreadTS = p.ReplaceOriginal, p.DeleteOriginal, p.ThreadTS

	s.mu.Lock()
	status := http.StatusOK
	t := s.model.responses[id]
	switch {
	case err != nil:
		status, post.Err = http.StatusBadRequest, "invalid_payload"
	case t == nil || time.Now().After(t.expires):
		status, post.Err = http.StatusNotFound, "expired_url"
	case t.uses >= maxResponseURLUses:
		status, post.Err = http.StatusNotFound, "used_url"
	default:
		t.uses++
		if e := s.respondLocked(t, p); e != nil {
			status, post.Err = http.StatusBadRequest, e.code
		}
	}
	s.model.posts[id] = append(s.model.posts[id], post)
	s.notifyLocked()
	s.mu.Unlock()

	if post.Err != "" {
		writeJSON(w, status, errCode(post.Err).body())
		return
	}
	writeJSON(w, status, map[string]any{"ok": true})
}

// respondLocked gives a response (posted to a response_url or carried in
// a slash command's ack) its effect on the channel model.
func (s *Server) respondLocked(t *responseTarget, p responsePayload) *apiError {
	c := s.lookupLocked(t.channel)
	if c == nil {
		return errCode("channel_not_found")
	}
	if p.DeleteOriginal {
		if t.messageTS != "" {
			c.remove(t.messageTS)
		}
		return nil
	}
	body := content{text: p.Text, blocks: p.Blocks, attachments: p.Attachments}
	if err := body.validate(); err != nil {
		return err
	}
	if p.ReplaceOriginal && t.messageTS != "" {
		m := c.find(t.messageTS)
		if t.ephemeral {
			m = c.findEphemeral(t.messageTS)
		}
		if m == nil {
			return errCode("message_not_found")
		}
		m.Text, m.Attachments = body.text, body.attachments
		m.setBlocks(body.blocks)
		m.Edited = !m.Ephemeral
		return nil
	}
	thread, err := threadParent(c, p.ThreadTS)
	if err != nil {
		return err
	}
	var m *Message
	if p.ResponseType == "in_channel" {
		m = s.postLocked(c, body, thread, false)
	} else {
		m = s.ephemeralLocked(c, t.user, body, thread)
	}
	if t.follow {
		t.messageTS, t.ephemeral = m.TS, m.Ephemeral
	}
	return nil
}

// applyAckLocked gives an ack payload its effect and returns the error
// Slack would report for it, or "".
func (s *Server) applyAckLocked(info *envelopeInfo, a Ack) string {
	d := a.Decoded
	switch info.kind {
	case "slash_commands":
		if d.Text == "" && len(d.Blocks) == 0 {
			return ""
		}
		t := s.model.responses[a.EnvelopeID]
		if t == nil {
			return ""
		}
		p := responsePayload{Text: d.Text, Blocks: d.Blocks, ResponseType: d.ResponseType}
		if err := s.respondLocked(t, p); err != nil {
			return err.code
		}
	case "view_submission":
		return s.viewAckLocked(info, d)
	}
	return ""
}

// viewAckLocked applies a view_submission ack's response_action.
func (s *Server) viewAckLocked(info *envelopeInfo, d AckPayload) string {
	v := s.model.views[info.viewID]
	if v == nil {
		return ""
	}
	switch d.ResponseAction {
	case "", "clear":
		if d.ResponseAction == "clear" {
			s.closeModalsLocked(v.User)
		}
		v.Open = false
	case "errors":
		v.Errors = maps.Clone(d.Errors)
	case "update", "push":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(d.View, &obj); err != nil || obj == nil {
			return "invalid_arguments"
		}
		if err := validateView(obj, "modal"); err != nil {
			return err.code
		}
		if d.ResponseAction == "update" {
			s.setViewLocked(v, obj)
			v.Updates++
			return ""
		}
		n := &View{ID: s.nextIDLocked("V"), Type: "modal", User: v.User, Open: true, RootViewID: v.RootViewID, PreviousViewID: v.ID}
		s.setViewLocked(n, obj)
		s.addViewLocked(n)
	default:
		return "invalid_arguments"
	}
	return ""
}
