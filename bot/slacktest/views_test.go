package slacktest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func homeView(n int) slack.HomeTabViewRequest {
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: sections(n)}}
}

func upModal() slack.ModalViewRequest {
	sizes := slack.NewOptionsSelectBlockElement("static_select", nil, "size_select",
		slack.NewOptionBlockObject("s-2", slack.NewTextBlockObject("plain_text", "small", false, false), nil),
		slack.NewOptionBlockObject("m-4", slack.NewTextBlockObject("plain_text", "medium", false, false), nil))
	name := slack.NewPlainTextInputBlockElement(nil, "name_input")
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject("plain_text", "New VM", false, false),
		Submit:          slack.NewTextBlockObject("plain_text", "Create", false, false),
		CallbackID:      "up",
		PrivateMetadata: DefaultChannel,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("name", slack.NewTextBlockObject("plain_text", "Name", false, false), nil, name),
			slack.NewInputBlock("size", slack.NewTextBlockObject("plain_text", "Size", false, false), nil, sizes),
		}},
	}
}

func TestModalOpenSubmitErrorsThenClose(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)
	var mu sync.Mutex
	var submitted []slack.InteractionCallback
	startBot(t, s, s.AppToken(), func(c *socketmode.Client, evt socketmode.Event) {
		switch evt.Type {
		case socketmode.EventTypeSlashCommand:
			_ = c.Ack(*evt.Request)
			cmd := evt.Data.(slack.SlashCommand)
			if _, err := api.OpenView(cmd.TriggerID, upModal()); err != nil {
				t.Errorf("OpenView() error = %v", err)
			}
		case socketmode.EventTypeInteractive:
			cb := evt.Data.(slack.InteractionCallback)
			mu.Lock()
			submitted = append(submitted, cb)
			mu.Unlock()
			if cb.View.State.Values["name"]["name_input"].Value == "bad name" {
				_ = c.Ack(*evt.Request, slack.NewErrorsViewSubmissionResponse(map[string]string{"name": "taken"}))
				return
			}
			_ = c.Ack(*evt.Request)
		}
	})
	if _, err := s.SendSlashCommand(ctx, SlashCommand{Text: "up"}); err != nil {
		t.Fatal(err)
	}
	var modal View
	if err := s.WaitFor(ctx, func(s *Server) bool {
		var ok bool
		modal, ok = s.Modal(DefaultUser)
		return ok
	}); err != nil {
		t.Fatalf("no modal opened: %v", err)
	}
	if modal.Title != "New VM" || modal.CallbackID != "up" || modal.PlainText() != "New VM\nName\nSize" {
		t.Errorf("Modal() = %+v, PlainText %q", modal, modal.PlainText())
	}

	id, err := s.SendViewSubmission(ctx, ViewSubmission{ViewID: modal.ID, Values: map[string]map[string]string{
		"name": {"name_input": "bad name"}, "size": {"size_select": "s-2"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	v, _ := s.View(modal.ID)
	if !v.Open || v.Errors["name"] != "taken" {
		t.Errorf("after an errors ack View = %+v, want open with name: taken", v)
	}
	mu.Lock()
	cb := submitted[0]
	mu.Unlock()
	if cb.Type != slack.InteractionTypeViewSubmission || cb.View.CallbackID != "up" || cb.View.PrivateMetadata != DefaultChannel ||
		cb.View.State.Values["size"]["size_select"].SelectedOption.Value != "s-2" || cb.User.ID != DefaultUser {
		t.Errorf("bot got submission %+v", cb)
	}

	id, err = s.SendViewSubmission(ctx, ViewSubmission{ViewID: modal.ID, Values: map[string]map[string]string{
		"name": {"name_input": "dev"}, "size": {"size_select": "m-4"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, open := s.Modal(DefaultUser); open {
		t.Error("modal still open after an empty ack")
	}
}

func TestViewSubmissionUpdateAndPush(t *testing.T) {
	tests := []struct {
		action    string
		wantViews int
		wantTitle string
	}{
		{"update", 1, "Step 2"},
		{"push", 2, "Step 2"},
		{"clear", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			s := newServer(t)
			ctx := testCtx(t)
			next := upModal()
			next.Title = slack.NewTextBlockObject("plain_text", "Step 2", false, false)
			startBot(t, s, s.AppToken(), func(c *socketmode.Client, evt socketmode.Event) {
				if evt.Type == socketmode.EventTypeInteractive {
					resp := &slack.ViewSubmissionResponse{ResponseAction: slack.ViewResponseAction(tt.action)}
					if tt.action != "clear" {
						resp.View = &next
					}
					_ = c.Ack(*evt.Request, resp)
				}
			})
			v, err := newAPI(s).OpenViewContext(ctx, s.TriggerID(DefaultUser), upModal())
			if err != nil {
				t.Fatal(err)
			}
			id, err := s.SendViewSubmission(ctx, ViewSubmission{ViewID: v.ID})
			if err != nil {
				t.Fatal(err)
			}
			ack, err := s.WaitAck(ctx, id)
			if err != nil || ack.Err != "" {
				t.Fatalf("WaitAck() = %+v, %v", ack, err)
			}
			top, open := s.Modal(DefaultUser)
			if len(s.Views()) != tt.wantViews || top.Title != tt.wantTitle || open != (tt.wantTitle != "") {
				t.Errorf("after %s: %d views, top %q open %v; want %d, %q", tt.action, len(s.Views()), top.Title, open, tt.wantViews, tt.wantTitle)
			}
		})
	}
}

func TestViewsOpenTriggers(t *testing.T) {
	tests := []struct {
		name    string
		trigger func(s *Server) string
		want    string
	}{
		{"fresh", func(s *Server) string { return s.TriggerID(DefaultUser) }, ""},
		{"unknown", func(*Server) string { return "1.2.3" }, "invalid_trigger_id"},
		{"used", func(s *Server) string {
			id := s.TriggerID(DefaultUser)
			_, _ = newAPI(s).OpenView(id, upModal())
			return id
		}, "exchanged_trigger_id"},
		{"expired", func(s *Server) string {
			s.SetTriggerTTL(-time.Second)
			return s.TriggerID(DefaultUser)
		}, "expired_trigger_id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			_, err := newAPI(s).OpenViewContext(testCtx(t), tt.trigger(s), upModal())
			if slackErr(err) != tt.want || (tt.want == "" && err != nil) {
				t.Errorf("OpenView(%s trigger) error = %v, want %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestViewValidation(t *testing.T) {
	long := upModal()
	long.Title = slack.NewTextBlockObject("plain_text", strings.Repeat("t", 25), false, false)
	s := newServer(t)
	if _, err := newAPI(s).OpenView(s.TriggerID(DefaultUser), long); slackErr(err) != "invalid_arguments" {
		t.Errorf("OpenView(25-character title) error = %v, want invalid_arguments", err)
	}
	many := upModal()
	many.Blocks.BlockSet = sections(101)
	if _, err := newAPI(s).OpenView(s.TriggerID(DefaultUser), many); slackErr(err) != "invalid_blocks" {
		t.Errorf("OpenView(101 blocks) error = %v, want invalid_blocks", err)
	}
}

func TestViewsUpdateAndPublish(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	api := newAPI(s)

	opened, err := api.OpenViewContext(ctx, s.TriggerID(DefaultUser), upModal())
	if err != nil {
		t.Fatal(err)
	}
	next := upModal()
	next.Title = slack.NewTextBlockObject("plain_text", "Creating", false, false)
	updated, err := api.UpdateViewContext(ctx, next, "", opened.Hash, opened.ID)
	if err != nil || updated.Title.Text != "Creating" {
		t.Fatalf("UpdateView() = %+v, %v", updated, err)
	}
	if _, err := api.UpdateViewContext(ctx, next, "", opened.Hash, opened.ID); slackErr(err) != "hash_conflict" {
		t.Errorf("UpdateView(stale hash) error = %v, want hash_conflict", err)
	}
	if _, err := api.UpdateViewContext(ctx, next, "", "", "V404"); slackErr(err) != "not_found" {
		t.Errorf("UpdateView(unknown) error = %v, want not_found", err)
	}

	home := homeView(2)
	first, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0BOB", View: home})
	if err != nil {
		t.Fatal(err)
	}
	home.Blocks.BlockSet = sections(3)
	hash := first.Hash
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0BOB", View: home, Hash: &hash}); err != nil {
		t.Fatal(err)
	}
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U0BOB", View: home, Hash: &hash}); slackErr(err) != "hash_conflict" {
		t.Errorf("PublishView(stale hash) error = %v, want hash_conflict", err)
	}
	hv, ok := s.HomeView("U0BOB")
	if !ok || hv.ID != first.ID || hv.PlainText() != "line 0\nline 1\nline 2" || hv.Updates != 1 {
		t.Errorf("HomeView(U0BOB) = %+v, %v, PlainText %q", hv, ok, hv.PlainText())
	}
	if _, ok := s.HomeView(DefaultUser); ok {
		t.Error("HomeView(alice) exists, want none")
	}
}

func TestBlockActionInHomeTab(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	got := make(chan slack.InteractionCallback, 1)
	startBot(t, s, s.AppToken(), func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeInteractive {
			_ = c.Ack(*evt.Request)
			got <- evt.Data.(slack.InteractionCallback)
		}
	})
	home := slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject("mrkdwn", "*web-1*", false, false), nil,
			slack.NewAccessory(slack.NewButtonBlockElement("destroy", "web-1", slack.NewTextBlockObject("plain_text", "Destroy", false, false))),
			slack.SectionBlockOptionBlockID("vm-web-1")),
	}}}
	v, err := newAPI(s).PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: DefaultUser, View: home})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.SendBlockAction(ctx, BlockAction{ViewID: v.ID, ActionID: "destroy"}); err != nil {
		t.Fatal(err)
	}
	var cb slack.InteractionCallback
	select {
	case cb = <-got:
	case <-ctx.Done():
		t.Fatal("no interaction")
	}
	acts := cb.ActionCallback.BlockActions
	if cb.Container.Type != "view" || cb.View.ID != v.ID || cb.View.Type != slack.VTHomeTab ||
		len(acts) != 1 || acts[0].BlockID != "vm-web-1" || acts[0].Value != "web-1" {
		t.Errorf("bot got %+v with actions %+v", cb, acts)
	}
}
