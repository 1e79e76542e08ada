package slacktest

import (
	"encoding/json"
	"testing"
)

func TestPlainText(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		blocks string
		want   string
	}{
		{name: "text only", text: "hello", want: "hello"},
		{name: "section with fields and accessory",
			blocks: `[{"type":"section","text":{"type":"mrkdwn","text":"*web-1* is ready"},
				"fields":[{"type":"mrkdwn","text":"IP"},{"type":"plain_text","text":"203.0.113.7"}],
				"accessory":{"type":"button","action_id":"destroy","text":{"type":"plain_text","text":"Destroy"},
				"confirm":{"title":{"type":"plain_text","text":"Sure?"},"text":{"type":"plain_text","text":"hidden"}}}}]`,
			want: "*web-1* is ready\nIP\n203.0.113.7\nDestroy"},
		{name: "header, context, divider, actions",
			blocks: `[{"type":"header","text":{"type":"plain_text","text":"Your VMs"}},{"type":"divider"},
				{"type":"context","elements":[{"type":"image","image_url":"x","alt_text":"logo"},{"type":"mrkdwn","text":"expires in 2h"}]},
				{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Extend"}},
				{"type":"static_select","placeholder":{"type":"plain_text","text":"Size"},
				"options":[{"text":{"type":"plain_text","text":"small"},"value":"s"}]}]}]`,
			want: "Your VMs\nexpires in 2h\nExtend\nSize"},
		{name: "text and rich text",
			text:   "fallback",
			blocks: `[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"ssh "},{"type":"text","text":"root@203.0.113.7"}]}]}]`,
			want:   "fallback\nssh \nroot@203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Message{Text: tt.text}
			if tt.blocks != "" {
				m.setBlocks(json.RawMessage(tt.blocks))
			}
			if got := m.PlainText(); got != tt.want {
				t.Errorf("PlainText() = %q, want %q", got, tt.want)
			}
		})
	}
}
