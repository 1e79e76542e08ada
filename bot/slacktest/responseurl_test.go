package slacktest

import (
	"sync"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func approvalBlocks() []slack.Block {
	return []slack.Block{
		section("Approve a *c-4* VM for alice?"),
		slack.NewActionBlock("approval",
			slack.NewButtonBlockElement("approve", "op-1", slack.NewTextBlockObject("plain_text", "Approve", false, false)),
			slack.NewButtonBlockElement("deny", "op-1", slack.NewTextBlockObject("plain_text", "Deny", false, false))),
	}
}

func TestButtonPressAndReplaceOriginal(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	var mu sync.Mutex
	var got slack.InteractionCallback
	startBot(t, s, s.AppToken(), func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeInteractive {
			return
		}
		_ = c.Ack(*evt.Request)
		cb := evt.Data.(slack.InteractionCallback)
		mu.Lock()
		got = cb
		mu.Unlock()
		_, _, err := api.PostMessage(cb.Channel.ID, slack.MsgOptionReplaceOriginal(cb.ResponseURL),
			slack.MsgOptionText("Approved by <@"+cb.User.ID+">", false))
		if err != nil {
			t.Errorf("replace_original error = %v", err)
		}
	})

	_, ts, err := api.PostMessageContext(ctx, DefaultChannel, slack.MsgOptionText("approval needed", false), slack.MsgOptionBlocks(approvalBlocks()...))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Messages(DefaultChannel)[0].PlainText(); got != "approval needed\nApprove a *c-4* VM for alice?\nApprove\nDeny" {
		t.Errorf("PlainText() = %q", got)
	}
	id, err := s.SendBlockAction(ctx, BlockAction{MessageTS: ts, ActionID: "approve"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitMessage(ctx, DefaultChannel, func(m Message) bool { return m.TS == ts && m.Edited }); err != nil {
		t.Fatalf("message not replaced: %v", err)
	}
	mu.Lock()
	cb := got
	mu.Unlock()
	if len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("bot got actions %+v, want one block action", cb.ActionCallback)
	}
	act := cb.ActionCallback.BlockActions[0]
	if cb.Type != slack.InteractionTypeBlockActions || act.ActionID != "approve" || act.BlockID != "approval" || act.Value != "op-1" ||
		act.Type != "button" || act.Text.Text != "Approve" || cb.Channel.ID != DefaultChannel || cb.Container.MessageTs != ts ||
		cb.Message.Timestamp != ts || cb.User.ID != DefaultUser || cb.TriggerID == "" {
		t.Errorf("bot got callback %+v with action %+v", cb, act)
	}
	m, _ := s.Message(DefaultChannel, ts)
	if m.PlainText() != "Approved by <@"+DefaultUser+">" {
		t.Errorf("replaced message reads %q", m.PlainText())
	}
	if posts := s.ResponseURLPosts(id); len(posts) != 1 || !posts[0].ReplaceOriginal || posts[0].Err != "" {
		t.Errorf("ResponseURLPosts() = %+v, want one replace_original", posts)
	}
}

func TestResponseURLEffects(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	startBot(t, s, s.AppToken(), ackAll)
	id, err := s.SendSlashCommand(ctx, SlashCommand{Text: "up"})
	if err != nil {
		t.Fatal(err)
	}
	url := s.URL() + "/response/" + id
	post := func(msg *slack.WebhookMessage) error { return slack.PostWebhookContext(ctx, url, msg) }

	if err := post(&slack.WebhookMessage{Text: "only alice"}); err != nil {
		t.Fatalf("ephemeral post error = %v", err)
	}
	if err := post(&slack.WebhookMessage{Text: "still only alice, edited", ReplaceOriginal: true}); err != nil {
		t.Fatal(err)
	}
	if err := post(&slack.WebhookMessage{Text: "for the channel", ResponseType: "in_channel"}); err != nil {
		t.Fatal(err)
	}
	if eph := s.Ephemerals(DefaultChannel, DefaultUser); len(eph) != 1 || eph[0].Text != "still only alice, edited" {
		t.Errorf("Ephemerals() = %+v, want the replaced ephemeral", eph)
	}
	if msgs := s.Messages(DefaultChannel); len(msgs) != 1 || msgs[0].Text != "for the channel" {
		t.Errorf("Messages() = %+v, want the in_channel post", msgs)
	}
	if err := post(&slack.WebhookMessage{DeleteOriginal: true}); err != nil {
		t.Fatal(err)
	}
	if msgs := s.Messages(DefaultChannel); len(msgs) != 0 {
		t.Errorf("Messages() after delete_original = %+v, want none", msgs)
	}
	// Five posts per URL, as in Slack.
	if err := post(&slack.WebhookMessage{Text: "fifth"}); err != nil {
		t.Fatal(err)
	}
	if err := post(&slack.WebhookMessage{Text: "sixth"}); err == nil {
		t.Error("sixth post succeeded, want used_url")
	}
	posts := s.ResponseURLPosts(id)
	if len(posts) != 6 || posts[5].Err != "used_url" {
		t.Errorf("ResponseURLPosts() = %+v, want 6 with the last used_url", posts)
	}
	if err := slack.PostWebhookContext(ctx, s.URL()+"/response/nope", &slack.WebhookMessage{Text: "x"}); err == nil {
		t.Error("post to an unknown response_url succeeded")
	}
}

func TestResponseURLLimitsThroughChatClient(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	startBot(t, s, s.AppToken(), ackAll)
	id, err := s.SendSlashCommand(ctx, SlashCommand{Text: "up"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = newAPI(s).PostMessageContext(ctx, DefaultChannel, slack.MsgOptionResponseURL(s.URL()+"/response/"+id, "ephemeral"),
		slack.MsgOptionBlocks(sections(51)...))
	if err == nil {
		t.Fatal("51 blocks through a response_url succeeded")
	}
	if posts := s.ResponseURLPosts(id); len(posts) != 1 || posts[0].Err != "invalid_blocks" {
		t.Errorf("ResponseURLPosts() = %+v, want one invalid_blocks", posts)
	}
}
