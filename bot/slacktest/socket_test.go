package slacktest

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

func TestSlashCommandAckIsRecorded(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	var got slack.SlashCommand
	var mu sync.Mutex
	b := startBot(t, s, s.AppToken(), func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type != socketmode.EventTypeSlashCommand {
			return
		}
		mu.Lock()
		got = evt.Data.(slack.SlashCommand)
		mu.Unlock()
		_ = c.Ack(*evt.Request, map[string]any{"text": "Working on it"})
	})
	b.waitEvent(t, ctx, socketmode.EventTypeHello)

	id, err := s.SendSlashCommand(ctx, SlashCommand{Text: "up --size s"})
	if err != nil {
		t.Fatalf("SendSlashCommand() error = %v", err)
	}
	ack, err := s.WaitAck(ctx, id)
	if err != nil {
		t.Fatalf("WaitAck(%q) error = %v", id, err)
	}
	if ack.Decoded.Text != "Working on it" || !strings.Contains(string(ack.Payload), "Working on it") {
		t.Errorf("ack payload = %s, want the text Working on it", ack.Payload)
	}
	if ack.At.IsZero() || ack.At.Before(ack.SentAt) {
		t.Errorf("ack times: sent %v, arrived %v", ack.SentAt, ack.At)
	}

	mu.Lock()
	cmd := got
	mu.Unlock()
	want := slack.SlashCommand{
		Token: "verification-token", TeamID: TeamID, TeamDomain: TeamDomain,
		ChannelID: DefaultChannel, ChannelName: DefaultChannelName, UserID: DefaultUser, UserName: DefaultUserName,
		Command: "/spuff", Text: "up --size s", APIAppID: AppID,
		ResponseURL: s.URL() + "/response/" + id, TriggerID: cmd.TriggerID,
	}
	if cmd != want || cmd.TriggerID == "" {
		t.Errorf("bot got command %+v, want %+v", cmd, want)
	}

	eph := s.Ephemerals(DefaultChannel, DefaultUser)
	if len(eph) != 1 || eph[0].Text != "Working on it" {
		t.Errorf("Ephemerals() = %+v, want the ack text shown to the user", eph)
	}
}

func TestSlashCommandAckInChannel(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	startBot(t, s, s.AppToken(), func(c *socketmode.Client, evt socketmode.Event) {
		if evt.Type == socketmode.EventTypeSlashCommand {
			_ = c.Ack(*evt.Request, map[string]any{"text": "everyone sees this", "response_type": "in_channel"})
		}
	})
	id, err := s.SendSlashCommand(ctx, SlashCommand{Text: "list"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}
	msgs := s.Messages(DefaultChannel)
	if len(msgs) != 1 || msgs[0].Text != "everyone sees this" {
		t.Errorf("Messages() = %+v, want the in_channel ack", msgs)
	}
}

func TestDisconnectMakesClientReconnect(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	startBot(t, s, s.AppToken(), ackAll)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Disconnect("refresh_requested")
	// Sent at once, the command waits for the new connection.
	id, err := s.SendSlashCommand(ctx, SlashCommand{Text: "status"})
	if err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(ctx, id)
	if err != nil {
		t.Fatalf("no ack after reconnect: %v", err)
	}
	if ack.Conn == 1 {
		t.Errorf("ack came on the disconnected connection %d", ack.Conn)
	}
	err = s.WaitFor(ctx, func(s *Server) bool { return s.ConnectionsAccepted() >= 2 && s.Connections() == 1 })
	if err != nil {
		t.Fatalf("no reconnect after disconnect: accepted %d, open %d", s.ConnectionsAccepted(), s.Connections())
	}
	if n := s.Calls("apps.connections.open"); n < 2 {
		t.Errorf("Calls(apps.connections.open) = %d, want >= 2", n)
	}
}

func TestDroppedConnectionReconnects(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	startBot(t, s, s.AppToken(), ackAll)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	if err := s.WaitFor(ctx, func(s *Server) bool { return s.ConnectionsAccepted() >= 2 && s.Connections() == 1 }); err != nil {
		t.Fatalf("no reconnect after drop: %v", err)
	}
}

func TestEnvelopesAreSpreadOverConnections(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	replica := func(name string) handler {
		return func(c *socketmode.Client, evt socketmode.Event) {
			if evt.Request != nil && evt.Type == socketmode.EventTypeSlashCommand {
				_ = c.Ack(*evt.Request, map[string]any{"text": name})
			}
		}
	}
	startBot(t, s, s.AppToken(), replica("one"))
	startBot(t, s, s.AppToken(), replica("two"))
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	perReplica := map[string]int{}
	for range 4 {
		id, err := s.SendSlashCommand(ctx, SlashCommand{Text: "status"})
		if err != nil {
			t.Fatal(err)
		}
		ack, err := s.WaitAck(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		perReplica[ack.Decoded.Text]++
	}
	if perReplica["one"] != 2 || perReplica["two"] != 2 {
		t.Errorf("acks per replica = %v, want 2 each", perReplica)
	}
}

func TestRedeliveredEnvelope(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	b := startBot(t, s, s.AppToken(), ackAll)
	payload, _ := json.Marshal(map[string]string{"command": "/spuff", "text": "up", "user_id": DefaultUser})
	env := Envelope{Type: "slash_commands", EnvelopeID: "env-1", Payload: payload, AcceptsResponsePayload: true}
	if _, err := s.SendEnvelope(ctx, env); err != nil {
		t.Fatal(err)
	}
	env.RetryAttempt, env.RetryReason = 1, "timeout"
	if _, err := s.SendEnvelope(ctx, env); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitFor(ctx, func(s *Server) bool { return len(s.AcksFor("env-1")) == 2 }); err != nil {
		t.Fatalf("acks for env-1 = %d, want 2", len(s.AcksFor("env-1")))
	}
	if n := s.Deliveries("env-1"); n != 2 {
		t.Errorf("Deliveries(env-1) = %d, want 2", n)
	}
	first := b.waitEvent(t, ctx, socketmode.EventTypeSlashCommand)
	second := b.waitEvent(t, ctx, socketmode.EventTypeSlashCommand)
	if first.Request.RetryAttempt != 0 || second.Request.RetryAttempt != 1 || second.Request.RetryReason != "timeout" {
		t.Errorf("retry fields = (%d, %d %q), want (0, 1 \"timeout\")",
			first.Request.RetryAttempt, second.Request.RetryAttempt, second.Request.RetryReason)
	}
}

func TestEventsAPIAppHomeOpened(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	b := startBot(t, s, s.AppToken(), ackAll)
	id, err := s.SendAppHomeOpened(ctx, DefaultUser)
	if err != nil {
		t.Fatal(err)
	}
	evt := b.waitEvent(t, ctx, socketmode.EventTypeEventsAPI)
	outer := evt.Data.(slackevents.EventsAPIEvent)
	inner, ok := outer.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
	if !ok || inner.User != DefaultUser || inner.Tab != "home" {
		t.Errorf("inner event = %#v, want app_home_opened by %s", outer.InnerEvent.Data, DefaultUser)
	}
	if _, err := s.WaitAck(ctx, id); err != nil {
		t.Error(err)
	}
}

func TestInvalidAuthEndsRun(t *testing.T) {
	tests := []struct {
		name  string
		setup func(s *Server) (appToken string)
		want  string
	}{
		{"wrong app token", func(s *Server) string {
			s.SetTokens("xapp-right", "xoxb-right")
			return "xapp-wrong"
		}, "invalid_auth"},
		{"bot token where the app token belongs", func(s *Server) string { return s.BotToken() }, "invalid_auth"},
		{"injected", func(s *Server) string {
			s.FailNext("apps.connections.open", 1, "invalid_auth")
			return s.AppToken()
		}, "invalid_auth"},
		{"revoked", func(s *Server) string {
			s.FailNext("apps.connections.open", 1, "token_revoked")
			return s.AppToken()
		}, "token_revoked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t)
			ctx := testCtx(t)
			b := startBot(t, s, tt.setup(s), nil)
			select {
			case err := <-b.done:
				if slackErr(err) != tt.want {
					t.Errorf("RunContext() = %v, want %s", err, tt.want)
				}
			case <-ctx.Done():
				t.Fatal("RunContext did not end")
			}
		})
	}
}

func TestConnectionsOpenRateLimitedThenConnects(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	s.RateLimitNext("apps.connections.open", 1, 0)
	b := startBot(t, s, s.AppToken(), ackAll)
	evt := b.waitEvent(t, ctx, socketmode.EventTypeConnectionError)
	if _, ok := evt.Data.(*slack.ConnectionErrorEvent).ErrorObj.(*slack.RateLimitedError); !ok {
		t.Errorf("connection error = %v, want *slack.RateLimitedError", evt.Data)
	}
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	log := s.CallLog("apps.connections.open")
	if len(log) < 2 || log[0].Status != 429 || log[len(log)-1].Status != 200 {
		t.Errorf("apps.connections.open calls = %+v, want a 429 then a 200", log)
	}
}

func TestPingsKeepTheClientConnected(t *testing.T) {
	s := newServer(t)
	ctx := testCtx(t)
	s.SetPingInterval(10 * time.Millisecond)
	startBot(t, s, s.AppToken(), ackAll, socketmode.OptionPingInterval(500*time.Millisecond))
	// 60 answered pings span more than one of the client's ping windows.
	if err := s.WaitFor(ctx, func(s *Server) bool { return s.Pongs() >= 60 }); err != nil {
		t.Fatalf("Pongs() = %d, want 60: %v", s.Pongs(), err)
	}
	if n := s.ConnectionsAccepted(); n != 1 {
		t.Errorf("ConnectionsAccepted() = %d, want 1 (the client dropped a connection)", n)
	}
}

func TestCloseWithConnectedClient(t *testing.T) {
	s := New()
	ctx := testCtx(t)
	startBot(t, s, s.AppToken(), ackAll)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if n := s.Connections(); n != 0 {
		t.Errorf("Connections() after Close = %d, want 0", n)
	}
	s.Close() // a second Close is harmless
}
