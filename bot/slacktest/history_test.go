package slacktest

import (
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"
)

func opMeta(id string) slack.MsgOption {
	return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "spuff_operation", EventPayload: map[string]any{"op_id": id}})
}

func TestMetadataIsStoredAndKeptOnUpdate(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	_, ts, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("requested", false), opMeta("op-1"))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, DefaultChannel, ts, slack.MsgOptionText("ready", false)); err != nil {
		t.Fatal(err)
	}
	m, _ := s.Message(DefaultChannel, ts)
	if want := `{"event_payload":{"op_id":"op-1"},"event_type":"spuff_operation"}`; string(m.Metadata) != want {
		t.Errorf("Metadata after an update without it = %s, want %s", m.Metadata, want)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, DefaultChannel, ts, slack.MsgOptionText("ready", false), opMeta("op-2")); err != nil {
		t.Fatal(err)
	}
	if m, _ := s.Message(DefaultChannel, ts); string(m.Metadata) != `{"event_payload":{"op_id":"op-2"},"event_type":"spuff_operation"}` {
		t.Errorf("Metadata after an update with new metadata = %s, want op-2's", m.Metadata)
	}

	for _, tc := range []struct{ metadata, want string }{
		{`{"event_type":`, "invalid_metadata_format"},
		{`{"event_payload":{"a":1}}`, "invalid_metadata_schema"},
		{`{"event_type":"x","event_payload":"text"}`, "invalid_metadata_schema"},
		{`{"event_type":"x"}`, "invalid_metadata_schema"},
	} {
		t.Run(tc.metadata, func(t *testing.T) {
			_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false), rawMetadata(s, tc.metadata))
			if slackErr(err) != tc.want {
				t.Errorf("PostMessage(metadata %s) = %v, want %s", tc.metadata, err, tc.want)
			}
		})
	}
}

// rawMetadata sends metadata to chat.postMessage exactly as given.
func rawMetadata(s *Server, raw string) slack.MsgOption {
	return slack.UnsafeMsgOptionEndpoint(s.APIURL()+"chat.postMessage", func(v url.Values) { v.Set("metadata", raw) })
}

// post posts text with optional options and returns its ts.
func post(t *testing.T, api *slack.Client, channel, text string, opts ...slack.MsgOption) string {
	t.Helper()
	_, ts, err := api.PostMessageContext(testCtx(t), channel, append([]slack.MsgOption{slack.MsgOptionText(text, false)}, opts...)...)
	if err != nil {
		t.Fatalf("PostMessage(%q) = %v", text, err)
	}
	return ts
}

func texts(msgs []slack.Message) []string {
	out := []string{}
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

func TestConversationsHistory(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	first := post(t, api, DefaultChannel, "one", opMeta("op-1"))
	post(t, api, DefaultChannel, "reply", slack.MsgOptionTS(first))
	post(t, api, DefaultChannel, "broadcast", slack.MsgOptionTS(first), slack.MsgOptionBroadcast())
	post(t, api, DefaultChannel, "two")
	post(t, api, DefaultChannel, "three")

	// Pages of two, newest first, top-level messages and broadcasts only.
	var got []string
	params := &slack.GetConversationHistoryParameters{ChannelID: DefaultChannel, Limit: 2}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("conversations.history never ends")
		}
		resp, err := api.GetConversationHistoryContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, texts(resp.Messages)...)
		if !resp.HasMore {
			break
		}
		params.Cursor = resp.ResponseMetaData.NextCursor
	}
	if want := []string{"three", "two", "broadcast", "one"}; !cmp.Equal(got, want) {
		t.Errorf("history pages = %q, want %q", got, want)
	}

	// oldest excludes what came before; metadata only when asked for.
	resp, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: DefaultChannel, Oldest: first, Inclusive: true})
	if err != nil || len(resp.Messages) != 4 || resp.Messages[3].Metadata.EventType != "" {
		t.Errorf("history from %s (inclusive, no metadata) = %+v, %v; want 4 messages without metadata", first, resp, err)
	}
	resp, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: DefaultChannel, Oldest: first, IncludeAllMetadata: true})
	if err != nil || !cmp.Equal(texts(resp.Messages), []string{"three", "two", "broadcast"}) {
		t.Errorf("history after %s = %q, %v; want three, two, broadcast", first, texts(resp.Messages), err)
	}
	resp, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: DefaultChannel, IncludeAllMetadata: true})
	if err != nil || len(resp.Messages) != 4 || resp.Messages[3].Metadata.EventPayload["op_id"] != "op-1" {
		t.Errorf("history with metadata = %+v, %v; want op-1 on the first message", resp, err)
	}
}

func TestConversationsHistoryErrors(t *testing.T) {
	s := newServer(t)
	s.CreateChannel("G0SECRET", Private(), NotMember())
	s.CreateChannel("G0CLUB", Private())
	s.CreateChannel("C0QUIET", NotMember())
	for _, tc := range []struct {
		name, channel, token, cursor, want string
	}{
		{name: "private member", channel: "G0CLUB"},
		{name: "public non-member", channel: "C0QUIET"},
		{name: "bot IM", channel: DefaultUser},
		{name: "private non-member", channel: "G0SECRET", want: "not_in_channel"},
		{name: "unknown channel", channel: "C0NOPE", want: "channel_not_found"},
		{name: "no channel", want: "channel_not_found"},
		{name: "app token", channel: DefaultChannel, token: s.AppToken(), want: "invalid_auth"},
		{name: "bad cursor", channel: DefaultChannel, cursor: "bm9wZQ==", want: "invalid_cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			token := tc.token
			if token == "" {
				token = s.BotToken()
			}
			api := slack.New(token, slack.OptionAPIURL(s.APIURL()))
			_, err := api.GetConversationHistoryContext(testCtx(t), &slack.GetConversationHistoryParameters{ChannelID: tc.channel, Cursor: tc.cursor})
			if slackErr(err) != tc.want {
				t.Errorf("conversations.history(%q) = %v, want %q", tc.channel, err, tc.want)
			}
			_, _, _, err = api.GetConversationRepliesContext(testCtx(t), &slack.GetConversationRepliesParameters{ChannelID: tc.channel, Timestamp: "1.000001", Cursor: tc.cursor})
			if want := tc.want; slackErr(err) != want && !(want == "" && slackErr(err) == "thread_not_found") {
				t.Errorf("conversations.replies(%q) = %v, want %q", tc.channel, err, want)
			}
		})
	}
}

func TestConversationsReplies(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	root := post(t, api, DefaultChannel, "root")
	first := post(t, api, DefaultChannel, "a", slack.MsgOptionTS(root))
	post(t, api, DefaultChannel, "other")
	post(t, api, DefaultChannel, "b", slack.MsgOptionTS(root), opMeta("op-1"))
	post(t, api, DefaultChannel, "c", slack.MsgOptionTS(root))

	var got []string
	var withMeta int
	params := &slack.GetConversationRepliesParameters{ChannelID: DefaultChannel, Timestamp: first, Limit: 2, IncludeAllMetadata: true}
	for pages := 0; ; pages++ {
		if pages > 3 {
			t.Fatal("conversations.replies never ends")
		}
		msgs, more, cursor, err := api.GetConversationRepliesContext(ctx, params)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, texts(msgs)...)
		for _, m := range msgs {
			if m.Metadata.EventPayload["op_id"] == "op-1" {
				withMeta++
			}
		}
		if !more {
			break
		}
		params.Cursor = cursor
	}
	if want := []string{"root", "a", "b", "c"}; !cmp.Equal(got, want) {
		t.Errorf("replies pages (asked with a reply's ts) = %q, want %q", got, want)
	}
	if withMeta != 1 {
		t.Errorf("%d replies carry op-1's metadata, want 1", withMeta)
	}
	msgs, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: DefaultChannel, Timestamp: root, Oldest: first})
	if err != nil || !cmp.Equal(texts(msgs), []string{"root", "b", "c"}) {
		t.Errorf("replies after %s = %q, %v; want the root, then b and c", first, texts(msgs), err)
	}
}
