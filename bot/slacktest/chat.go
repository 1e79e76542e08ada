package slacktest

import (
	"encoding/json"
)

// content is the visible part of a message being posted or updated.
type content struct {
	text        string
	blocks      json.RawMessage
	attachments json.RawMessage
}

func (c content) validate() *apiError {
	return validateMessage(c.text, c.blocks, len(c.attachments) > 0 && string(c.attachments) != "[]")
}

func messageContent(req *apiRequest) content {
	return content{text: req.str("text"), blocks: req.raw("blocks"), attachments: req.raw("attachments")}
}

// messageMetadata reads the metadata argument of chat.postMessage and
// chat.update: an object with an event_type and an event_payload object.
// It returns nil when there is none.
func messageMetadata(req *apiRequest) (json.RawMessage, *apiError) {
	raw := req.raw("metadata")
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var md struct {
		EventType    string          `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if err := json.Unmarshal(raw, &md); err != nil {
		return nil, errCode("invalid_metadata_format")
	}
	var payload map[string]any
	if md.EventType == "" || json.Unmarshal(md.EventPayload, &payload) != nil || payload == nil {
		return nil, errCode("invalid_metadata_schema")
	}
	out, _ := json.Marshal(map[string]any{"event_type": md.EventType, "event_payload": payload})
	return out, nil
}

// postLocked adds a bot message to c. threadTS must name a top-level
// message of c or be empty.
func (s *Server) postLocked(c *channel, body content, threadTS string, broadcast bool) *Message {
	m := &Message{
		Channel:     c.id,
		TS:          s.nextTSLocked(),
		ThreadTS:    threadTS,
		User:        BotUserID,
		BotID:       BotID,
		Text:        body.text,
		Attachments: body.attachments,
		Broadcast:   broadcast && threadTS != "",
	}
	m.setBlocks(body.blocks)
	c.msgs = append(c.msgs, m)
	return m
}

// ephemeralLocked shows a bot message to user only.
func (s *Server) ephemeralLocked(c *channel, user string, body content, threadTS string) *Message {
	m := &Message{
		Channel:     c.id,
		TS:          s.nextTSLocked(),
		ThreadTS:    threadTS,
		User:        BotUserID,
		BotID:       BotID,
		Text:        body.text,
		Attachments: body.attachments,
		Ephemeral:   true,
		Recipient:   user,
	}
	m.setBlocks(body.blocks)
	c.ephemerals = append(c.ephemerals, m)
	return m
}

// threadParent resolves thread_ts: a reply's ts means its parent's
// thread, an unknown ts answers thread_not_found.
func threadParent(c *channel, ts string) (string, *apiError) {
	if ts == "" {
		return "", nil
	}
	p := c.find(ts)
	if p == nil {
		return "", errCode("thread_not_found")
	}
	if p.ThreadTS != "" {
		return p.ThreadTS, nil
	}
	return p.TS, nil
}

func chatPostMessage(s *Server, req *apiRequest) reply {
	c, err := s.writableLocked(req.str("channel"))
	if err != nil {
		return fail(err)
	}
	body := messageContent(req)
	if err := body.validate(); err != nil {
		return fail(err)
	}
	thread, err := threadParent(c, req.str("thread_ts"))
	if err != nil {
		return fail(err)
	}
	md, err := messageMetadata(req)
	if err != nil {
		return fail(err)
	}
	m := s.postLocked(c, body, thread, req.str("reply_broadcast") == "true")
	m.Metadata = md
	return ok(map[string]any{"channel": c.id, "ts": m.TS, "message": m.wire()})
}

func chatUpdate(s *Server, req *apiRequest) reply {
	c, err := s.writableLocked(req.str("channel"))
	if err != nil {
		return fail(err)
	}
	m := c.find(req.str("ts"))
	if m == nil {
		return fail(errCode("message_not_found"))
	}
	if m.User != BotUserID {
		return fail(errCode("cant_update_message"))
	}
	// Slack keeps what an update leaves out.
	body := content{text: m.Text, blocks: m.Blocks, attachments: m.Attachments}
	if req.has("text") {
		body.text = req.str("text")
	}
	if req.has("blocks") {
		body.blocks = req.raw("blocks")
	}
	if req.has("attachments") {
		body.attachments = req.raw("attachments")
	}
	if err := body.validate(); err != nil {
		return fail(err)
	}
	md, err := messageMetadata(req)
	if err != nil {
		return fail(err)
	}
	if md != nil { // kept when the update leaves it out
		m.Metadata = md
	}
	m.Text, m.Attachments, m.Edited = body.text, body.attachments, true
	m.setBlocks(body.blocks)
	return ok(map[string]any{"channel": c.id, "ts": m.TS, "text": m.Text, "message": m.wire()})
}

func chatPostEphemeral(s *Server, req *apiRequest) reply {
	c, err := s.writableLocked(req.str("channel"))
	if err != nil {
		return fail(err)
	}
	user := req.str("user")
	if user == "" {
		return fail(errCode("user_not_in_channel"))
	}
	body := messageContent(req)
	if err := body.validate(); err != nil {
		return fail(err)
	}
	thread, err := threadParent(c, req.str("thread_ts"))
	if err != nil {
		return fail(err)
	}
	m := s.ephemeralLocked(c, user, body, thread)
	return ok(map[string]any{"message_ts": m.TS})
}

func chatDelete(s *Server, req *apiRequest) reply {
	c, err := s.channelLocked(req.str("channel"))
	if err != nil {
		return fail(err)
	}
	ts := req.str("ts")
	m := c.find(ts)
	if m == nil {
		return fail(errCode("message_not_found"))
	}
	if m.User != BotUserID {
		return fail(errCode("cant_delete_message"))
	}
	c.remove(ts)
	return ok(map[string]any{"channel": c.id, "ts": ts})
}
