package slacktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/slack-go/slack"
)

// View is a modal or an App Home tab in its current state.
type View struct {
	ID   string
	Type string // "modal" or "home"
	// User is the person who sees it.
	User            string
	CallbackID      string
	PrivateMetadata string
	ExternalID      string
	Hash            string
	// Title is the modal title's text ("" for home tabs).
	Title    string
	Blocks   json.RawMessage
	BlockSet []slack.Block
	// Open reports a modal still on screen; home tabs are always open.
	Open bool
	// Errors are the input errors the app answered a submission with.
	Errors                     map[string]string
	RootViewID, PreviousViewID string
	// Updates counts views.update / views.publish calls after the first.
	Updates int

	obj map[string]json.RawMessage // the view as the app sent it
}

// PlainText returns the title and the text of every block, one per line.
func (v View) PlainText() string { return joinText(v.Title, v.Blocks) }

func (v *View) clone() View {
	c := *v
	c.BlockSet = slices.Clone(v.BlockSet)
	c.Errors = maps.Clone(v.Errors)
	c.obj = nil
	return c
}

// trigger is a trigger_id handed to the app, good for one views.open.
type trigger struct {
	user    string
	expires time.Time
	used    bool
}

// TriggerID issues a trigger_id for user, as an interaction would, good
// for one views.open within the trigger TTL.
func (s *Server) TriggerID(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newTriggerLocked(user)
}

// triggerLocked returns id, registered for user when new, or a fresh
// trigger_id when id is empty.
func (s *Server) triggerLocked(id, user string) string {
	if id == "" {
		return s.newTriggerLocked(user)
	}
	if _, known := s.model.triggers[id]; !known {
		s.model.triggers[id] = trigger{user: user, expires: time.Now().Add(s.triggerTTL)}
	}
	return id
}

// newTriggerLocked issues a trigger_id for user.
func (s *Server) newTriggerLocked(user string) string {
	s.idSeq++
	id := fmt.Sprintf("%d.%d.%s", 1700000000+s.idSeq, 42, newEnvelopeID()[:8])
	s.model.triggers[id] = trigger{user: user, expires: time.Now().Add(s.triggerTTL)}
	return id
}

// setViewLocked stores the app's view object in v, with a new hash.
func (s *Server) setViewLocked(v *View, obj map[string]json.RawMessage) {
	str := func(k string) string {
		var x string
		_ = json.Unmarshal(obj[k], &x)
		return x
	}
	v.obj = obj
	v.CallbackID, v.PrivateMetadata, v.ExternalID = str("callback_id"), str("private_metadata"), str("external_id")
	v.Title = ""
	var title struct{ Text string }
	if json.Unmarshal(obj["title"], &title) == nil {
		v.Title = title.Text
	}
	v.Blocks, v.BlockSet = nil, nil
	if b := obj["blocks"]; len(b) > 0 && string(b) != "null" {
		v.Blocks = b
		var bs slack.Blocks
		if json.Unmarshal(b, &bs) == nil {
			v.BlockSet = bs.BlockSet
		}
	}
	v.Errors = nil
	s.idSeq++
	v.Hash = fmt.Sprintf("%d.%08x", 1700000000+s.idSeq, s.idSeq)
}

// wire returns the view object as Slack's API returns it.
func (v *View) wire() map[string]any {
	w := map[string]any{}
	for k, raw := range v.obj {
		w[k] = raw
	}
	var prev any
	if v.PreviousViewID != "" {
		prev = v.PreviousViewID
	}
	blocks := any(v.Blocks)
	if v.Blocks == nil {
		blocks = []any{}
	}
	maps.Copy(w, map[string]any{
		"id": v.ID, "team_id": TeamID, "type": v.Type, "blocks": blocks,
		"private_metadata": v.PrivateMetadata, "callback_id": v.CallbackID, "external_id": v.ExternalID,
		"state": map[string]any{"values": map[string]any{}}, "hash": v.Hash,
		"root_view_id": v.RootViewID, "previous_view_id": prev,
		"app_id": AppID, "bot_id": BotID, "app_installed_team_id": TeamID,
	})
	return w
}

// viewObject decodes the "view" argument.
func viewObject(req *apiRequest) (map[string]json.RawMessage, *apiError) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(req.raw("view"), &obj); err != nil || obj == nil {
		return nil, errCode("invalid_arguments", "[ERROR] missing required field: view [json-pointer:/view]")
	}
	return obj, nil
}

func (s *Server) externalTakenLocked(obj map[string]json.RawMessage, self string) bool {
	var ext string
	_ = json.Unmarshal(obj["external_id"], &ext)
	if ext == "" {
		return false
	}
	for _, v := range s.model.views {
		if v.ExternalID == ext && v.ID != self {
			return true
		}
	}
	return false
}

func (s *Server) addViewLocked(v *View) {
	s.model.views[v.ID] = v
	s.model.viewOrder = append(s.model.viewOrder, v.ID)
}

func viewsOpen(s *Server, req *apiRequest) reply {
	id := req.str("trigger_id")
	t, found := s.model.triggers[id]
	switch {
	case !found:
		return fail(errCode("invalid_trigger_id"))
	case t.used:
		return fail(errCode("exchanged_trigger_id"))
	case time.Now().After(t.expires):
		return fail(errCode("expired_trigger_id"))
	}
	obj, err := viewObject(req)
	if err != nil {
		return fail(err)
	}
	if err := validateView(obj, "modal"); err != nil {
		return fail(err)
	}
	if s.externalTakenLocked(obj, "") {
		return fail(errCode("duplicate_external_id"))
	}
	t.used = true
	s.model.triggers[id] = t
	s.closeModalsLocked(t.user)
	v := &View{ID: s.nextIDLocked("V"), Type: "modal", User: t.user, Open: true}
	v.RootViewID = v.ID
	s.setViewLocked(v, obj)
	s.addViewLocked(v)
	return ok(map[string]any{"view": v.wire()})
}

func viewsUpdate(s *Server, req *apiRequest) reply {
	var v *View
	if id := req.str("view_id"); id != "" {
		v = s.model.views[id]
	} else if ext := req.str("external_id"); ext != "" {
		for _, x := range s.model.views {
			if x.ExternalID == ext {
				v = x
			}
		}
	}
	if v == nil {
		return fail(errCode("not_found"))
	}
	if h := req.str("hash"); h != "" && h != v.Hash {
		return fail(errCode("hash_conflict"))
	}
	obj, err := viewObject(req)
	if err != nil {
		return fail(err)
	}
	if err := validateView(obj, v.Type); err != nil {
		return fail(err)
	}
	if s.externalTakenLocked(obj, v.ID) {
		return fail(errCode("duplicate_external_id"))
	}
	s.setViewLocked(v, obj)
	v.Updates++
	return ok(map[string]any{"view": v.wire()})
}

func viewsPublish(s *Server, req *apiRequest) reply {
	user := req.str("user_id")
	if _, found := s.userLocked(user); !found {
		return fail(errCode("user_not_found"))
	}
	obj, err := viewObject(req)
	if err != nil {
		return fail(err)
	}
	if err := validateView(obj, "home"); err != nil {
		return fail(err)
	}
	v := s.model.views[s.model.homes[user]]
	if h := req.str("hash"); h != "" && v != nil && h != v.Hash {
		return fail(errCode("hash_conflict"))
	}
	if v == nil {
		v = &View{ID: s.nextIDLocked("V"), Type: "home", User: user, Open: true}
		v.RootViewID = v.ID
		s.addViewLocked(v)
		s.model.homes[user] = v.ID
	} else {
		v.Updates++
	}
	s.setViewLocked(v, obj)
	return ok(map[string]any{"view": v.wire()})
}

// closeModalsLocked closes every modal user has open.
func (s *Server) closeModalsLocked(user string) {
	for _, v := range s.model.views {
		if v.Type == "modal" && v.User == user {
			v.Open = false
		}
	}
}

// Views returns every view ever opened or published, oldest first.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, 0, len(s.model.viewOrder))
	for _, id := range s.model.viewOrder {
		out = append(out, s.model.views[id].clone())
	}
	return out
}

// View returns the view with the given id.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.model.views[id]; v != nil {
		return v.clone(), true
	}
	return View{}, false
}

// HomeView returns the App Home tab published for user.
func (s *Server) HomeView(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.model.views[s.model.homes[user]]; v != nil {
		return v.clone(), true
	}
	return View{}, false
}

// Modal returns the modal on top of user's screen, if one is open.
func (s *Server) Modal(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.model.viewOrder) - 1; i >= 0; i-- {
		v := s.model.views[s.model.viewOrder[i]]
		if v.Type == "modal" && v.User == user && v.Open {
			return v.clone(), true
		}
	}
	return View{}, false
}
