package slacktest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Limits Slack enforces on messages, views and Block Kit.
const (
	MaxMessageBlocks   = 50
	MaxViewBlocks      = 100
	MaxMessageText     = 40000
	MaxSectionText     = 3000
	MaxSectionFields   = 10
	MaxFieldText       = 2000
	MaxHeaderText      = 150
	MaxContextElements = 10
	MaxActionsElements = 25
	MaxButtonText      = 75
	MaxActionID        = 255
	MaxBlockID         = 255
	MaxButtonValue     = 2000
	MaxURL             = 3000
	MaxLabelText       = 2000
	MaxViewTitle       = 24
	MaxPrivateMetadata = 3000
	MaxCallbackID      = 255
)

// validateMessage checks a message's text and blocks: msg_too_long,
// invalid_blocks, invalid_blocks_format, no_text.
func validateMessage(text string, blocks json.RawMessage, hasAttachments bool) *apiError {
	if utf8.RuneCountInString(text) > MaxMessageText {
		return errCode("msg_too_long")
	}
	n, err := validateBlocks(blocks, MaxMessageBlocks, "/blocks")
	if err != nil {
		return err
	}
	if text == "" && n == 0 && !hasAttachments {
		return errCode("no_text")
	}
	return nil
}

// validateBlocks checks a blocks array and returns how many it holds.
func validateBlocks(raw json.RawMessage, max int, ptr string) (int, *apiError) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, nil
	}
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return 0, errCode("invalid_blocks_format")
	}
	v := &blockCheck{ids: make(map[string]bool)}
	if len(blocks) > max {
		v.failf(ptr, "must be less than %d items", max+1)
	}
	for i, b := range blocks {
		v.block(fmt.Sprintf("%s/%d", ptr, i), b)
	}
	if len(v.msgs) > 0 {
		return len(blocks), errCode("invalid_blocks", v.msgs...)
	}
	return len(blocks), nil
}

// blockCheck collects the complaints about one blocks array.
type blockCheck struct {
	ids  map[string]bool
	msgs []string
}

func (v *blockCheck) failf(ptr, format string, args ...any) {
	v.msgs = append(v.msgs, fmt.Sprintf("[ERROR] "+format+" [json-pointer:%s]", append(args, ptr)...))
}

func (v *blockCheck) block(ptr string, b map[string]any) {
	typ, _ := b["type"].(string)
	if typ == "" {
		v.failf(ptr+"/type", "missing required field: type")
		return
	}
	if id, present := b["block_id"]; present {
		s, isStr := id.(string)
		switch {
		case !isStr || s == "":
			v.failf(ptr+"/block_id", "must be a non-empty string")
		case utf8.RuneCountInString(s) > MaxBlockID:
			v.failf(ptr+"/block_id", "must be less than %d characters", MaxBlockID+1)
		case v.ids[s]:
			v.failf(ptr+"/block_id", "duplicate block_id %q", s)
		default:
			v.ids[s] = true
		}
	}
	switch typ {
	case "section":
		_, hasText := b["text"]
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			v.failf(ptr, "must provide either text or fields")
		}
		if hasText {
			v.text(ptr+"/text", b["text"], MaxSectionText, false)
		}
		if len(fields) > MaxSectionFields {
			v.failf(ptr+"/fields", "must be less than %d items", MaxSectionFields+1)
		}
		for i, f := range fields {
			v.text(fmt.Sprintf("%s/fields/%d", ptr, i), f, MaxFieldText, false)
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			v.element(ptr+"/accessory", acc)
		}
	case "header":
		v.text(ptr+"/text", b["text"], MaxHeaderText, true)
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > MaxContextElements {
			v.failf(ptr+"/elements", "must have between 1 and %d items", MaxContextElements)
		}
		for i, e := range els {
			if m, ok := e.(map[string]any); ok && m["type"] != "image" {
				v.text(fmt.Sprintf("%s/elements/%d", ptr, i), m, MaxSectionText, false)
			}
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > MaxActionsElements {
			v.failf(ptr+"/elements", "must have between 1 and %d items", MaxActionsElements)
		}
		for i, e := range els {
			if m, ok := e.(map[string]any); ok {
				v.element(fmt.Sprintf("%s/elements/%d", ptr, i), m)
			}
		}
	case "input":
		v.text(ptr+"/label", b["label"], MaxLabelText, true)
		if h, ok := b["hint"]; ok {
			v.text(ptr+"/hint", h, MaxLabelText, true)
		}
		el, ok := b["element"].(map[string]any)
		if !ok {
			v.failf(ptr+"/element", "missing required field: element")
		} else {
			v.element(ptr+"/element", el)
		}
	}
}

// element checks an interactive element; buttons in full.
func (v *blockCheck) element(ptr string, e map[string]any) {
	if id, ok := e["action_id"].(string); ok && utf8.RuneCountInString(id) > MaxActionID {
		v.failf(ptr+"/action_id", "must be less than %d characters", MaxActionID+1)
	}
	if e["type"] != "button" {
		return
	}
	v.text(ptr+"/text", e["text"], MaxButtonText, true)
	if s, ok := e["value"].(string); ok && utf8.RuneCountInString(s) > MaxButtonValue {
		v.failf(ptr+"/value", "must be less than %d characters", MaxButtonValue+1)
	}
	if s, ok := e["url"].(string); ok && utf8.RuneCountInString(s) > MaxURL {
		v.failf(ptr+"/url", "must be less than %d characters", MaxURL+1)
	}
	if st, ok := e["style"].(string); ok && st != "primary" && st != "danger" {
		v.failf(ptr+"/style", "must be one of primary, danger")
	}
}

// text checks a text object: its type, a non-empty text, the length.
func (v *blockCheck) text(ptr string, t any, max int, plainOnly bool) {
	m, ok := t.(map[string]any)
	if !ok {
		v.failf(ptr, "must be a text object")
		return
	}
	typ, _ := m["type"].(string)
	switch {
	case typ == "plain_text":
	case typ == "mrkdwn" && !plainOnly:
	default:
		if plainOnly {
			v.failf(ptr+"/type", "must be plain_text")
		} else {
			v.failf(ptr+"/type", "must be plain_text or mrkdwn")
		}
		return
	}
	s, _ := m["text"].(string)
	n := utf8.RuneCountInString(s)
	switch {
	case n == 0:
		v.failf(ptr+"/text", "must be more than 0 characters")
	case n > max:
		v.failf(ptr+"/text", "must be less than %d characters", max+1)
	}
}

// validateView checks a modal or home view: title, metadata, blocks.
func validateView(view map[string]json.RawMessage, wantType string) *apiError {
	var typ string
	_ = json.Unmarshal(view["type"], &typ)
	if typ != wantType {
		return errCode("invalid_arguments", fmt.Sprintf("[ERROR] must be %s [json-pointer:/view/type]", wantType))
	}
	v := &blockCheck{ids: make(map[string]bool)}
	if typ == "modal" {
		v.optionalText(view, "title", true)
		v.optionalText(view, "submit", false)
		v.optionalText(view, "close", false)
	}
	var meta, cb string
	_ = json.Unmarshal(view["private_metadata"], &meta)
	_ = json.Unmarshal(view["callback_id"], &cb)
	if utf8.RuneCountInString(meta) > MaxPrivateMetadata {
		v.failf("/view/private_metadata", "must be less than %d characters", MaxPrivateMetadata+1)
	}
	if utf8.RuneCountInString(cb) > MaxCallbackID {
		v.failf("/view/callback_id", "must be less than %d characters", MaxCallbackID+1)
	}
	if len(v.msgs) > 0 {
		return errCode("invalid_arguments", v.msgs...)
	}
	_, err := validateBlocks(view["blocks"], MaxViewBlocks, "/view/blocks")
	return err
}

// optionalText checks a modal's title, submit or close text.
func (v *blockCheck) optionalText(view map[string]json.RawMessage, key string, required bool) {
	raw, ok := view[key]
	if !ok || string(raw) == "null" {
		if required {
			v.failf("/view/"+key, "missing required field: %s", key)
		}
		return
	}
	var t any
	_ = json.Unmarshal(raw, &t)
	v.text("/view/"+key, t, MaxViewTitle, true)
}
