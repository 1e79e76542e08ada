package slacktest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func sections(n int) []slack.Block {
	out := make([]slack.Block, n)
	for i := range out {
		out[i] = slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", fmt.Sprintf("line %d", i), false, false), nil, nil)
	}
	return out
}

func section(text string) slack.Block {
	return slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", text, false, false), nil, nil)
}

func button(actionID, value string) slack.Block {
	return slack.NewActionBlock("actions", slack.NewButtonBlockElement(actionID, value, slack.NewTextBlockObject("plain_text", "Go", false, false)))
}

func TestMessageLimits(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		blocks []slack.Block
		want   string
	}{
		{name: "50 blocks", blocks: sections(50)},
		{name: "51 blocks", blocks: sections(51), want: "invalid_blocks"},
		{name: "section text 3000", blocks: []slack.Block{section(strings.Repeat("a", 3000))}},
		{name: "section text 3001", blocks: []slack.Block{section(strings.Repeat("a", 3001))}, want: "invalid_blocks"},
		{name: "section text in runes", blocks: []slack.Block{section(strings.Repeat("é", 3000))}},
		{name: "header 150", blocks: []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 150), false, false))}},
		{name: "header 151", blocks: []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", strings.Repeat("h", 151), false, false))}, want: "invalid_blocks"},
		{name: "header mrkdwn", blocks: []slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject("mrkdwn", "h", false, false))}, want: "invalid_blocks"},
		{name: "action_id 255", blocks: []slack.Block{button(strings.Repeat("a", 255), "v")}},
		{name: "action_id 256", blocks: []slack.Block{button(strings.Repeat("a", 256), "v")}, want: "invalid_blocks"},
		{name: "button value 2000", blocks: []slack.Block{button("go", strings.Repeat("v", 2000))}},
		{name: "button value 2001", blocks: []slack.Block{button("go", strings.Repeat("v", 2001))}, want: "invalid_blocks"},
		{name: "duplicate block_id", blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject("plain_text", "a", false, false), nil, nil, slack.SectionBlockOptionBlockID("x")),
			slack.NewSectionBlock(slack.NewTextBlockObject("plain_text", "b", false, false), nil, nil, slack.SectionBlockOptionBlockID("x")),
		}, want: "invalid_blocks"},
		{name: "empty section text", blocks: []slack.Block{section("")}, want: "invalid_blocks"},
		{name: "text 40000", text: strings.Repeat("t", 40000)},
		{name: "text 40001", text: strings.Repeat("t", 40001), want: "msg_too_long"},
		{name: "nothing to show", want: "no_text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			api := newAPI(s)
			opts := []slack.MsgOption{slack.MsgOptionText(tt.text, false)}
			if tt.blocks != nil {
				opts = append(opts, slack.MsgOptionBlocks(tt.blocks...))
			}
			_, _, err := api.PostMessageContext(testCtx(t), DefaultChannel, opts...)
			if got := slackErr(err); got != tt.want || (tt.want == "" && err != nil) {
				t.Fatalf("PostMessage(%s) error = %v, want %q", tt.name, err, tt.want)
			}
			if tt.want == "" {
				return
			}
			if n := len(s.Messages(DefaultChannel)); n != 0 {
				t.Errorf("a refused post left %d messages", n)
			}
			// chat.update and chat.postEphemeral apply the same limits.
			_, ts, _ := api.PostMessageContext(testCtx(t), DefaultChannel, slack.MsgOptionText("ok", false))
			if _, _, _, err := api.UpdateMessageContext(testCtx(t), DefaultChannel, ts, opts...); slackErr(err) != tt.want {
				t.Errorf("UpdateMessage(%s) error = %v, want %q", tt.name, err, tt.want)
			}
			if _, err := api.PostEphemeralContext(testCtx(t), DefaultChannel, DefaultUser, opts...); slackErr(err) != tt.want {
				t.Errorf("PostEphemeral(%s) error = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestInvalidBlocksCarriesDetail(t *testing.T) {
	s := newServer(t)
	_, _, err := newAPI(s).PostMessageContext(testCtx(t), DefaultChannel, slack.MsgOptionBlocks(sections(51)...))
	var e slack.SlackErrorResponse
	if !errors.As(err, &e) || e.Err != "invalid_blocks" {
		t.Fatalf("PostMessage(51 blocks) error = %v, want invalid_blocks", err)
	}
	if msgs := e.ResponseMetadata.Messages; len(msgs) != 1 || !strings.Contains(msgs[0], "must be less than 51 items") {
		t.Errorf("response_metadata.messages = %q, want the block count complaint", msgs)
	}
}

func TestViewBlockLimits(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string
	}{
		{"100 blocks", 100, ""},
		{"101 blocks", 101, "invalid_blocks"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			_, err := newAPI(s).PublishViewContext(testCtx(t), slack.PublishViewContextRequest{UserID: DefaultUser, View: homeView(tt.n)})
			if slackErr(err) != tt.want || (tt.want == "" && err != nil) {
				t.Errorf("PublishView(%d blocks) error = %v, want %q", tt.n, err, tt.want)
			}
		})
	}
}

func TestRateLimitNext(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	s.RateLimitNext("chat.postMessage", 2, 1500*time.Millisecond)
	for i := range 2 {
		_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false))
		var rl *slack.RateLimitedError
		if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
			t.Fatalf("PostMessage() #%d error = %v, want *slack.RateLimitedError after 2s", i, err)
		}
	}
	if _, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false)); err != nil {
		t.Errorf("PostMessage() after the limit error = %v", err)
	}
	if got := s.Calls("chat.postMessage"); got != 3 {
		t.Errorf("Calls(chat.postMessage) = %d, want 3", got)
	}
	if n := len(s.Messages(DefaultChannel)); n != 1 {
		t.Errorf("Messages() = %d, want 1", n)
	}
}

func TestFailNext(t *testing.T) {
	s := newServer(t)
	api := newAPI(s)
	s.FailNext("chat.update", 1, "internal_error")
	_, ts, _ := api.PostMessageContext(testCtx(t), DefaultChannel, slack.MsgOptionText("x", false))
	if _, _, _, err := api.UpdateMessageContext(testCtx(t), DefaultChannel, ts, slack.MsgOptionText("y", false)); slackErr(err) != "internal_error" {
		t.Errorf("UpdateMessage() error = %v, want internal_error", err)
	}
	s.FailNext("chat.update", 3, "internal_error")
	s.ClearFaults()
	if _, _, _, err := api.UpdateMessageContext(testCtx(t), DefaultChannel, ts, slack.MsgOptionText("y", false)); err != nil {
		t.Errorf("UpdateMessage() after ClearFaults error = %v", err)
	}
}
