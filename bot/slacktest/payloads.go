package slacktest

import (
	"context"
	"encoding/json"
	"time"
)

// SlashCommand is a person typing a slash command. Zero fields get
// defaults: Command "/spuff", UserID DefaultUser, ChannelID
// DefaultChannel, names from the workspace, a fresh trigger_id good for
// one views.open, and a response_url on this server whose posts land in
// the channel model (see ResponseURLPosts). A TriggerID the test chooses
// is registered too, so views.open accepts it once.
type SlashCommand struct {
	Command     string
	Text        string
	UserID      string
	UserName    string
	ChannelID   string
	ChannelName string
	TriggerID   string
	ResponseURL string
	// EnvelopeID is generated when empty; reuse one to redeliver.
	EnvelopeID   string
	RetryAttempt int
	RetryReason  string
}

// SendSlashCommand delivers a slash_commands envelope and returns its
// envelope id. A text or blocks reply in the ack is shown as Slack shows
// it: to the user only, or in the channel with response_type in_channel.
func (s *Server) SendSlashCommand(ctx context.Context, cmd SlashCommand) (string, error) {
	if cmd.Command == "" {
		cmd.Command = "/spuff"
	}
	if cmd.UserID == "" {
		cmd.UserID = DefaultUser
	}
	if cmd.ChannelID == "" {
		cmd.ChannelID = DefaultChannel
	}
	if cmd.EnvelopeID == "" {
		cmd.EnvelopeID = newEnvelopeID()
	}
	s.mu.Lock()
	if cmd.UserName == "" {
		u, _ := s.userLocked(cmd.UserID)
		cmd.UserName = u.Name
	}
	if cmd.ChannelName == "" {
		cmd.ChannelName = s.channelNameLocked(cmd.ChannelID)
	}
	cmd.TriggerID = s.triggerLocked(cmd.TriggerID, cmd.UserID)
	if cmd.ResponseURL == "" {
		cmd.ResponseURL = s.responseURLLocked(cmd.EnvelopeID, &responseTarget{channel: cmd.ChannelID, user: cmd.UserID, follow: true})
	}
	s.mu.Unlock()

	payload, err := json.Marshal(map[string]string{
		"token":        "verification-token",
		"team_id":      TeamID,
		"team_domain":  TeamDomain,
		"channel_id":   cmd.ChannelID,
		"channel_name": cmd.ChannelName,
		"user_id":      cmd.UserID,
		"user_name":    cmd.UserName,
		"command":      cmd.Command,
		"text":         cmd.Text,
		"api_app_id":   AppID,
		"response_url": cmd.ResponseURL,
		"trigger_id":   cmd.TriggerID,
	})
	if err != nil {
		return "", err
	}
	env := Envelope{
		Type: "slash_commands", EnvelopeID: cmd.EnvelopeID, Payload: payload, AcceptsResponsePayload: true,
		RetryAttempt: cmd.RetryAttempt, RetryReason: cmd.RetryReason,
	}
	return s.send(ctx, env, &envelopeInfo{kind: "slash_commands"})
}

// channelNameLocked names a channel as a slash command payload does.
func (s *Server) channelNameLocked(id string) string {
	c := s.lookupLocked(id)
	switch {
	case c == nil:
		return "unknown"
	case c.im:
		return "directmessage"
	case c.private && len(id) > 0 && id[0] == 'G':
		return "privategroup"
	}
	return c.name
}

// SendEvent delivers an events_api envelope with an inner event of
// eventType (for example "app_home_opened" with "user", "channel", "tab")
// and returns its envelope id. "type" and "event_ts" are filled in.
func (s *Server) SendEvent(ctx context.Context, eventType string, event map[string]any) (string, error) {
	inner := make(map[string]any, len(event)+2)
	for k, v := range event {
		inner[k] = v
	}
	inner["type"] = eventType
	s.mu.Lock()
	ts := s.nextTSLocked()
	eventID := s.nextIDLocked("Ev")
	s.mu.Unlock()
	if _, ok := inner["event_ts"]; !ok {
		inner["event_ts"] = ts
	}
	payload, err := json.Marshal(map[string]any{
		"token":      "verification-token",
		"team_id":    TeamID,
		"api_app_id": AppID,
		"event":      inner,
		"type":       "event_callback",
		"event_id":   eventID,
		"event_time": time.Now().Unix(),
		"authorizations": []map[string]any{
			{"team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false},
		},
		"is_ext_shared_channel": false,
	})
	if err != nil {
		return "", err
	}
	return s.send(ctx, Envelope{Type: "events_api", Payload: payload}, &envelopeInfo{kind: "events_api"})
}

// SendAppHomeOpened sends the app_home_opened event of user opening the
// app's Home tab.
func (s *Server) SendAppHomeOpened(ctx context.Context, user string) (string, error) {
	ev := map[string]any{"user": user, "channel": s.DMChannel(user), "tab": "home"}
	if v, ok := s.HomeView(user); ok {
		ev["view"] = map[string]any{"id": v.ID, "type": "home", "hash": v.Hash, "callback_id": v.CallbackID}
	}
	return s.SendEvent(ctx, "app_home_opened", ev)
}

// userObject is the "user" of an interaction payload.
func (s *Server) userObjectLocked(id string) map[string]any {
	u, _ := s.userLocked(id)
	return map[string]any{"id": id, "username": u.Name, "name": u.Name, "team_id": TeamID}
}
