package slacktest

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// Message is a message as a person sees it, in its current state.
type Message struct {
	Channel  string
	TS       string
	ThreadTS string // the parent's ts for a thread reply, else ""
	// User is the author; BotUserID for everything the bot posts.
	User  string
	BotID string
	Text  string
	// Blocks is the Block Kit JSON as posted; BlockSet the same decoded.
	Blocks      json.RawMessage
	BlockSet    []slack.Block
	Attachments json.RawMessage
	// Metadata is the message metadata the app attached
	// ({"event_type":...,"event_payload":{...}}), or nil.
	Metadata json.RawMessage
	Edited   bool
	// Broadcast reports a thread reply also shown in the channel.
	Broadcast bool
	// Ephemeral messages are seen only by Recipient.
	Ephemeral bool
	Recipient string
}

func (m *Message) clone() Message {
	c := *m
	c.BlockSet = slices.Clone(m.BlockSet)
	return c
}

// setBlocks stores raw blocks and their decoded form.
func (m *Message) setBlocks(raw json.RawMessage) {
	if len(raw) == 0 || string(raw) == "null" || string(raw) == "[]" {
		m.Blocks, m.BlockSet = nil, nil
		return
	}
	m.Blocks = raw
	var b slack.Blocks
	if err := json.Unmarshal(raw, &b); err == nil {
		m.BlockSet = b.BlockSet
	}
}

// wire returns the message object as Slack's API returns it.
func (m *Message) wire() map[string]any {
	w := map[string]any{
		"type":   "message",
		"user":   m.User,
		"text":   m.Text,
		"ts":     m.TS,
		"team":   TeamID,
		"bot_id": m.BotID,
		"app_id": AppID,
	}
	if m.Blocks != nil {
		w["blocks"] = m.Blocks
	}
	if m.Attachments != nil {
		w["attachments"] = m.Attachments
	}
	if m.ThreadTS != "" {
		w["thread_ts"] = m.ThreadTS
	}
	if m.Edited {
		w["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	return w
}

// historyWire is the message as conversations.history and
// conversations.replies return it: with its metadata only when the call
// asked for include_all_metadata.
func (m *Message) historyWire(metadata bool) map[string]any {
	w := m.wire()
	if metadata && m.Metadata != nil {
		w["metadata"] = m.Metadata
	}
	return w
}

// PlainText returns what a person reads: the message text followed by
// the text of every block (sections and their fields, headers, context,
// rich text, input labels, button labels ...), one piece per line.
func (m Message) PlainText() string {
	return joinText(m.Text, m.Blocks)
}

// joinText flattens text and blocks into lines.
func joinText(text string, blocks json.RawMessage) string {
	var parts []string
	if text != "" {
		parts = append(parts, text)
	}
	if len(blocks) > 0 {
		var v any
		if err := json.Unmarshal(blocks, &v); err == nil {
			collectText(v, &parts)
		}
	}
	return strings.Join(parts, "\n")
}

// textTypes are the object types whose "text" a person reads.
var textTypes = map[string]bool{"plain_text": true, "mrkdwn": true, "text": true, "markdown": true}

// hiddenKeys hold text a person does not see until they act
// (confirmation dialogs, the options of a closed menu).
var hiddenKeys = map[string]bool{"confirm": true, "options": true, "option_groups": true}

// keyOrder is the reading order of the keys that hold text.
var keyOrder = []string{"title", "text", "label", "fields", "elements", "accessory", "initial_option", "placeholder", "element", "hint"}

func collectText(v any, parts *[]string) {
	switch v := v.(type) {
	case []any:
		for _, x := range v {
			collectText(x, parts)
		}
	case map[string]any:
		typ, _ := v["type"].(string)
		if s, ok := v["text"].(string); ok && textTypes[typ] {
			if s != "" {
				*parts = append(*parts, s)
			}
			return
		}
		seen := make(map[string]bool, len(keyOrder))
		for _, k := range keyOrder {
			seen[k] = true
			if x, ok := v[k]; ok {
				collectText(x, parts)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			if !seen[k] && !hiddenKeys[k] {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			if _, isObj := v[k].(map[string]any); isObj {
				collectText(v[k], parts)
			} else if _, isList := v[k].([]any); isList {
				collectText(v[k], parts)
			}
		}
	}
}
