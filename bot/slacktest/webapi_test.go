package slacktest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"
)

func TestPostUpdateThreadEphemeralRoundTrip(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)

	ch, root, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("requested", false),
		slack.MsgOptionBlocks(slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*VM* requested", false, false), nil, nil)))
	if err != nil {
		t.Fatalf("PostMessage() error = %v", err)
	}
	if ch != DefaultChannel || root == "" {
		t.Fatalf("PostMessage() = %q, %q, want %q and a ts", ch, root, DefaultChannel)
	}
	_, reply1, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("creating", false), slack.MsgOptionTS(root))
	if err != nil {
		t.Fatal(err)
	}
	// A reply to a reply lands in the same thread.
	_, reply2, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("ready", false), slack.MsgOptionTS(reply1))
	if err != nil {
		t.Fatal(err)
	}
	if !(root < reply1 && reply1 < reply2) {
		t.Errorf("timestamps %q %q %q are not increasing", root, reply1, reply2)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, DefaultChannel, root, slack.MsgOptionText("ready", false),
		slack.MsgOptionBlocks(slack.NewHeaderBlock(slack.NewTextBlockObject("plain_text", "VM ready", false, false)))); err != nil {
		t.Fatalf("UpdateMessage() error = %v", err)
	}
	ets, err := api.PostEphemeralContext(ctx, DefaultChannel, DefaultUser, slack.MsgOptionText("only you", false))
	if err != nil || ets == "" {
		t.Fatalf("PostEphemeral() = %q, %v, want a message_ts", ets, err)
	}

	top := s.Messages(DefaultChannel)
	if len(top) != 1 || top[0].TS != root || !top[0].Edited || top[0].PlainText() != "ready\nVM ready" {
		t.Errorf("Messages() = %+v, want one edited root reading \"ready\\nVM ready\"", top)
	}
	if len(top) == 1 && len(top[0].BlockSet) != 1 {
		t.Errorf("root BlockSet = %v, want one header block", top[0].BlockSet)
	}
	var texts []string
	for _, m := range s.Thread(DefaultChannel, root) {
		if m.ThreadTS != root || m.User != BotUserID {
			t.Errorf("reply %+v: want thread %s by %s", m, root, BotUserID)
		}
		texts = append(texts, m.Text)
	}
	if got := strings.Join(texts, ","); got != "creating,ready" {
		t.Errorf("Thread() texts = %q, want \"creating,ready\"", got)
	}
	if eph := s.Ephemerals(DefaultChannel, DefaultUser); len(eph) != 1 || eph[0].Text != "only you" || eph[0].TS != ets {
		t.Errorf("Ephemerals() = %+v, want \"only you\" at %s", eph, ets)
	}
	if eph := s.Ephemerals(DefaultChannel, "U0BOB"); len(eph) != 0 {
		t.Errorf("Ephemerals(bob) = %+v, want none", eph)
	}

	if _, _, err := api.DeleteMessageContext(ctx, DefaultChannel, reply2); err != nil {
		t.Fatalf("DeleteMessage() error = %v", err)
	}
	if n := len(s.Thread(DefaultChannel, root)); n != 1 {
		t.Errorf("Thread() after delete has %d replies, want 1", n)
	}
	if _, _, err := api.DeleteMessageContext(ctx, DefaultChannel, reply2); slackErr(err) != "message_not_found" {
		t.Errorf("second DeleteMessage() = %v, want message_not_found", err)
	}
	if got := s.Calls("chat.postMessage"); got != 3 {
		t.Errorf("Calls(chat.postMessage) = %d, want 3", got)
	}
	if log := s.CallLog("chat.postMessage"); log[1].Params.Get("thread_ts") != root || log[1].Params.Has("token") {
		t.Errorf("CallLog()[1].Params = %v, want thread_ts %s and no token", log[1].Params, root)
	}
}

func TestChannelRules(t *testing.T) {
	tests := []struct {
		name        string
		setup       func(s *Server)
		channel     string
		threadTS    string
		want        string // error code, "" for success
		wantChannel string
	}{
		{name: "default channel", channel: DefaultChannel, wantChannel: DefaultChannel},
		{name: "unknown channel", channel: "C0NOPE", want: "channel_not_found"},
		{name: "private, not a member", channel: "C0SECRET", want: "not_in_channel",
			setup: func(s *Server) { s.CreateChannel("C0SECRET", Private(), NotMember()) }},
		{name: "private member", channel: "C0TEAM", wantChannel: "C0TEAM",
			setup: func(s *Server) { s.CreateChannel("C0TEAM", Private()) }},
		{name: "public, not a member, chat:write.public", channel: "C0OPEN", wantChannel: "C0OPEN",
			setup: func(s *Server) { s.CreateChannel("C0OPEN", NotMember()) }},
		{name: "public, not a member, no chat:write.public", channel: "C0OPEN", want: "not_in_channel",
			setup: func(s *Server) {
				s.CreateChannel("C0OPEN", NotMember())
				s.SetChatWritePublic(false)
			}},
		{name: "user id means the IM", channel: "U0BOB", wantChannel: "D0BOB"},
		{name: "unknown thread", channel: DefaultChannel, threadTS: "1.000000", want: "thread_not_found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			if tt.setup != nil {
				tt.setup(s)
			}
			opts := []slack.MsgOption{slack.MsgOptionText("hi", false)}
			if tt.threadTS != "" {
				opts = append(opts, slack.MsgOptionTS(tt.threadTS))
			}
			ch, _, err := newAPI(s).PostMessageContext(testCtx(t), tt.channel, opts...)
			if tt.want != "" {
				if slackErr(err) != tt.want {
					t.Errorf("PostMessage(%q) error = %v, want %s", tt.channel, err, tt.want)
				}
				return
			}
			if err != nil || ch != tt.wantChannel {
				t.Fatalf("PostMessage(%q) = %q, %v, want %q", tt.channel, ch, err, tt.wantChannel)
			}
			if msgs := s.Messages(tt.channel); len(msgs) != 1 || msgs[0].Text != "hi" {
				t.Errorf("Messages(%q) = %+v, want the post", tt.channel, msgs)
			}
		})
	}
}

func TestTokens(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	s.SetTokens("xapp-good", "xoxb-good")
	tests := []struct {
		name  string
		token string
		want  string
	}{
		{"bot token", "xoxb-good", ""},
		{"wrong token", "xoxb-bad", "invalid_auth"},
		{"app token on a bot method", "xapp-good", "invalid_auth"},
		{"no token", "", "not_authed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := slack.New(tt.token, slack.OptionAPIURL(s.APIURL()))
			_, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("x", false))
			if slackErr(err) != tt.want && !(tt.want == "" && err == nil) {
				t.Errorf("PostMessage() with %s = %v, want %q", tt.name, err, tt.want)
			}
			// views.* authenticate with a Bearer header.
			_, err = api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: DefaultUser, View: homeView(1)})
			if slackErr(err) != tt.want && !(tt.want == "" && err == nil) {
				t.Errorf("PublishView() with %s = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestConversationsOpenAndDirectory(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)

	ch, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U0BOB"}})
	if err != nil || ch.ID != "D0BOB" || already {
		t.Fatalf("OpenConversation(U0BOB) = %+v, %v, %v, want D0BOB newly opened", ch, already, err)
	}
	ch2, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{"U0BOB"}})
	if err != nil || ch2.ID != ch.ID || !already {
		t.Errorf("second OpenConversation(U0BOB) = %+v, %v, %v, want the same, already open", ch2, already, err)
	}
	if _, _, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("your VM is ready", false)); err != nil {
		t.Fatal(err)
	}
	if msgs := s.Messages("U0BOB"); len(msgs) != 1 || msgs[0].Channel != "D0BOB" {
		t.Errorf("Messages(U0BOB) = %+v, want the DM", msgs)
	}

	s.AddUser(User{ID: "U0CAROL", Name: "carol", RealName: "Carol C", TZ: "Asia/Tokyo", IsAdmin: true})
	u, err := api.GetUserInfoContext(ctx, "U0CAROL")
	if err != nil || u.Name != "carol" || u.TZ != "Asia/Tokyo" || !u.IsAdmin || u.RealName != "Carol C" {
		t.Errorf("GetUserInfo(U0CAROL) = %+v, %v", u, err)
	}
	if u, err := api.GetUserInfoContext(ctx, "U0DAVE"); err != nil || u.Name != "dave" {
		t.Errorf("GetUserInfo(U0DAVE) = %+v, %v, want a made-up dave", u, err)
	}
	if _, err := api.GetUserInfoContext(ctx, "nobody"); slackErr(err) != "user_not_found" {
		t.Errorf("GetUserInfo(nobody) error = %v, want user_not_found", err)
	}
	at, err := api.AuthTestContext(ctx)
	if err != nil || at.UserID != BotUserID || at.TeamID != TeamID || at.BotID != BotID {
		t.Errorf("AuthTest() = %+v, %v", at, err)
	}
}

func TestUnknownMethod(t *testing.T) {
	s := newServer(t)
	_, err := newAPI(s).GetConversationInfoContext(testCtx(t), &slack.GetConversationInfoInput{ChannelID: DefaultChannel})
	if slackErr(err) != "unknown_method" {
		t.Errorf("conversations.info error = %v, want unknown_method", err)
	}
}

func TestConcurrentPosts(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			for i := range 5 {
				if _, _, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText(fmt.Sprintf("%d-%d", w, i), false)); err != nil {
					t.Errorf("PostMessage() error = %v", err)
				}
			}
		})
	}
	m, err := s.WaitMessage(ctx, DefaultChannel, func(m Message) bool { return m.Text == "7-4" })
	if err != nil || m.Text != "7-4" {
		t.Errorf("WaitMessage(7-4) = %+v, %v", m, err)
	}
	wg.Wait()
	msgs := s.Messages(DefaultChannel)
	if len(msgs) != 40 {
		t.Fatalf("Messages() has %d, want 40", len(msgs))
	}
	for i := 1; i < len(msgs); i++ {
		if msgs[i-1].TS >= msgs[i].TS {
			t.Errorf("ts %q then %q: not increasing", msgs[i-1].TS, msgs[i].TS)
		}
	}
}
