package slacktest

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"
)

// BlockAction is a person pressing a button (or choosing from a menu) on
// a message, or in a view when ViewID is set. Zero fields are filled from
// the workspace: User DefaultUser, Channel DefaultChannel, and BlockID,
// Value, Type and the label from the element with ActionID in the
// message or view. The payload always carries a block_id.
type BlockAction struct {
	User      string
	Channel   string
	MessageTS string
	// Ephemeral marks a button on an ephemeral message.
	Ephemeral bool
	// ViewID puts the action in a modal or home tab instead of a message.
	ViewID   string
	ActionID string
	BlockID  string
	Value    string
	// Type is the element type, "button" unless found otherwise.
	Type       string
	TriggerID  string
	EnvelopeID string
}

// SendBlockAction delivers an interactive block_actions envelope and
// returns its envelope id, which also names its response_url.
func (s *Server) SendBlockAction(ctx context.Context, a BlockAction) (string, error) {
	if a.User == "" {
		a.User = DefaultUser
	}
	if a.Channel == "" && a.ViewID == "" {
		a.Channel = DefaultChannel
	}
	if a.EnvelopeID == "" {
		a.EnvelopeID = newEnvelopeID()
	}
	s.mu.Lock()
	p, info := s.blockActionLocked(&a)
	s.mu.Unlock()
	payload, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	return s.send(ctx, Envelope{Type: "interactive", EnvelopeID: a.EnvelopeID, Payload: payload}, info)
}

func (s *Server) blockActionLocked(a *BlockAction) (map[string]any, *envelopeInfo) {
	a.TriggerID = s.triggerLocked(a.TriggerID, a.User)
	p := map[string]any{
		"type": "block_actions", "user": s.userObjectLocked(a.User), "api_app_id": AppID,
		"token": "verification-token", "trigger_id": a.TriggerID,
		"team": map[string]any{"id": TeamID, "domain": TeamDomain}, "enterprise": nil,
		"is_enterprise_install": false, "state": map[string]any{"values": map[string]any{}},
	}
	info := &envelopeInfo{kind: "block_actions"}
	var blocks json.RawMessage
	if a.ViewID != "" {
		p["container"] = map[string]any{"type": "view", "view_id": a.ViewID}
		if v := s.model.views[a.ViewID]; v != nil {
			p["view"] = v.wire()
			blocks = v.Blocks
		} else {
			p["view"] = map[string]any{"id": a.ViewID}
		}
	} else {
		container := map[string]any{"type": "message", "message_ts": a.MessageTS, "channel_id": a.Channel, "is_ephemeral": a.Ephemeral}
		message := map[string]any{"type": "message", "ts": a.MessageTS}
		if c := s.lookupLocked(a.Channel); c != nil {
			m := c.find(a.MessageTS)
			if a.Ephemeral {
				m = c.findEphemeral(a.MessageTS)
			}
			if m != nil {
				message, blocks = m.wire(), m.Blocks
				if m.ThreadTS != "" {
					container["thread_ts"] = m.ThreadTS
				}
			}
		}
		p["container"], p["message"] = container, message
		p["channel"] = map[string]any{"id": a.Channel, "name": s.channelNameLocked(a.Channel)}
		target := &responseTarget{channel: a.Channel, user: a.User, messageTS: a.MessageTS, ephemeral: a.Ephemeral}
		p["response_url"] = s.responseURLLocked(a.EnvelopeID, target)
	}

	label := ""
	if blockID, el := findElement(blocks, a.ActionID, a.BlockID); el != nil {
		if a.BlockID == "" {
			a.BlockID = blockID
		}
		if a.Type == "" {
			a.Type, _ = el["type"].(string)
		}
		if a.Value == "" {
			a.Value, _ = el["value"].(string)
		}
		if t, ok := el["text"].(map[string]any); ok {
			label, _ = t["text"].(string)
		}
	}
	if a.BlockID == "" {
		a.BlockID = "blk-" + a.ActionID
	}
	if a.Type == "" {
		a.Type = "button"
	}
	act := map[string]any{
		"action_id": a.ActionID, "block_id": a.BlockID, "type": a.Type,
		"action_ts": fmt.Sprintf("%d.%06d", time.Now().Unix(), time.Now().Nanosecond()/1000),
	}
	maps.Copy(act, actionValue(a.Type, a.Value))
	if label != "" {
		act["text"] = map[string]any{"type": "plain_text", "text": label, "emoji": true}
	}
	p["actions"] = []any{act}
	return p, info
}

// actionValue is how an element of typ reports value in an action or in
// view state.
func actionValue(typ, value string) map[string]any {
	switch typ {
	case "static_select", "external_select", "overflow", "radio_buttons":
		return map[string]any{"selected_option": map[string]any{
			"text": map[string]any{"type": "plain_text", "text": value}, "value": value,
		}}
	case "users_select":
		return map[string]any{"selected_user": value}
	case "conversations_select":
		return map[string]any{"selected_conversation": value}
	case "channels_select":
		return map[string]any{"selected_channel": value}
	case "datepicker":
		return map[string]any{"selected_date": value}
	case "timepicker":
		return map[string]any{"selected_time": value}
	}
	return map[string]any{"value": value}
}

// findElement finds the interactive element with actionID (in the block
// blockID when given) and returns its block's id and the element.
func findElement(blocks json.RawMessage, actionID, blockID string) (string, map[string]any) {
	var list []map[string]any
	if len(blocks) == 0 || json.Unmarshal(blocks, &list) != nil {
		return "", nil
	}
	for _, b := range list {
		id, _ := b["block_id"].(string)
		if blockID != "" && id != blockID {
			continue
		}
		var els []any
		if e, ok := b["elements"].([]any); ok {
			els = append(els, e...)
		}
		if e, ok := b["accessory"]; ok {
			els = append(els, e)
		}
		if e, ok := b["element"]; ok {
			els = append(els, e)
		}
		for _, e := range els {
			if m, ok := e.(map[string]any); ok && m["action_id"] == actionID {
				return id, m
			}
		}
	}
	return "", nil
}

// ViewSubmission is a person pressing a modal's submit button. With the
// id of a view the app opened, the view's callback_id, private_metadata,
// hash and blocks are sent, and each value in Values is reported the way
// its input element does (plain_text_input value, static_select
// selected_option, users_select selected_user ...).
type ViewSubmission struct {
	User   string // default: the view's user, else DefaultUser
	ViewID string
	// CallbackID and PrivateMetadata override the view's when set.
	CallbackID      string
	PrivateMetadata string
	// Values maps block_id -> action_id -> the value entered.
	Values map[string]map[string]string
	// State, when set, is sent as state.values verbatim instead.
	State      map[string]map[string]any
	EnvelopeID string
}

// SendViewSubmission delivers an interactive view_submission envelope
// and returns its envelope id. The ack's response_action takes effect:
// none closes the modal, "errors" sets View.Errors, "update" replaces it,
// "push" opens another on top, "clear" closes them all.
func (s *Server) SendViewSubmission(ctx context.Context, sub ViewSubmission) (string, error) {
	s.mu.Lock()
	view := map[string]any{"id": sub.ViewID, "type": "modal", "team_id": TeamID, "app_id": AppID, "bot_id": BotID}
	var blocks json.RawMessage
	if v := s.model.views[sub.ViewID]; v != nil {
		view, blocks = v.wire(), v.Blocks
		if sub.User == "" {
			sub.User = v.User
		}
	}
	if sub.User == "" {
		sub.User = DefaultUser
	}
	if sub.CallbackID != "" {
		view["callback_id"] = sub.CallbackID
	}
	if sub.PrivateMetadata != "" {
		view["private_metadata"] = sub.PrivateMetadata
	}
	values := map[string]any{}
	for block, actions := range sub.Values {
		vals := map[string]any{}
		for action, value := range actions {
			typ := "plain_text_input"
			if _, el := findElement(blocks, action, block); el != nil {
				typ, _ = el["type"].(string)
			}
			st := actionValue(typ, value)
			st["type"] = typ
			vals[action] = st
		}
		values[block] = vals
	}
	if sub.State != nil {
		values = map[string]any{}
		for k, v := range sub.State {
			values[k] = v
		}
	}
	view["state"] = map[string]any{"values": values}
	p := map[string]any{
		"type": "view_submission", "team": map[string]any{"id": TeamID, "domain": TeamDomain},
		"user": s.userObjectLocked(sub.User), "api_app_id": AppID, "token": "verification-token",
		"trigger_id": s.newTriggerLocked(sub.User), "view": view, "response_urls": []any{},
		"is_enterprise_install": false, "enterprise": nil,
	}
	s.mu.Unlock()
	payload, err := json.Marshal(p)
	if err != nil {
		return "", err
	}
	info := &envelopeInfo{kind: "view_submission", viewID: sub.ViewID}
	return s.send(ctx, Envelope{Type: "interactive", EnvelopeID: sub.EnvelopeID, Payload: payload}, info)
}
