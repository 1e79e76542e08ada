package slacktest

import (
	"context"
	"fmt"
	"strings"
)

// modelState is what people see in the workspace, guarded by Server.mu.
type modelState struct {
	channels  map[string]*channel
	dms       map[string]string // user id -> IM channel id
	users     map[string]User
	views     map[string]*View
	viewOrder []string
	homes     map[string]string // user id -> home view id
	triggers  map[string]trigger
	responses map[string]*responseTarget
	posts     map[string][]ResponseURLPost
}

func (m *modelState) init() {
	m.channels = make(map[string]*channel)
	m.dms = make(map[string]string)
	m.users = map[string]User{
		DefaultUser: {ID: DefaultUser, Name: DefaultUserName, RealName: "Alice Example", TZ: "Europe/Berlin"},
		BotUserID:   {ID: BotUserID, Name: BotName, RealName: BotName, IsBot: true},
	}
	m.views = make(map[string]*View)
	m.homes = make(map[string]string)
	m.triggers = make(map[string]trigger)
	m.responses = make(map[string]*responseTarget)
	m.posts = make(map[string][]ResponseURLPost)
}

// channel is one conversation: public or private channel, or an IM.
type channel struct {
	id, name   string
	private    bool
	im         bool
	user       string // the person of an IM
	member     bool   // the bot is a member
	msgs       []*Message
	ephemerals []*Message
}

// ChannelOption changes a channel made by CreateChannel.
type ChannelOption func(*channel)

// Private makes the channel private.
func Private() ChannelOption { return func(c *channel) { c.private = true } }

// NotMember leaves the bot out of the channel. Posting to a private
// channel it is not in answers not_in_channel; so does a public one when
// SetChatWritePublic(false).
func NotMember() ChannelOption { return func(c *channel) { c.member = false } }

// Named sets the channel name (default: the id in lower case).
func Named(name string) ChannelOption { return func(c *channel) { c.name = name } }

// CreateChannel adds a channel, public and with the bot as a member unless
// options say otherwise. Creating an existing id changes its settings and
// keeps its messages.
func (s *Server) CreateChannel(id string, opts ...ChannelOption) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &channel{id: id, name: strings.ToLower(id), member: true}
	for _, o := range opts {
		o(c)
	}
	if old := s.model.channels[id]; old != nil {
		c.msgs, c.ephemerals = old.msgs, old.ephemerals
	}
	s.model.channels[id] = c
	s.notifyLocked()
}

// DMChannel returns the id of the bot's IM with user (like "D0ALICE"),
// opening it when needed.
func (s *Server) DMChannel(user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.imLocked(user).id
}

// imLocked returns the IM channel with user, creating it.
func (s *Server) imLocked(user string) *channel {
	if id, ok := s.model.dms[user]; ok {
		return s.model.channels[id]
	}
	id := "D" + strings.TrimPrefix(strings.TrimPrefix(user, "U"), "W")
	c := &channel{id: id, name: user, im: true, user: user, member: true}
	s.model.channels[id] = c
	s.model.dms[user] = id
	return c
}

// isUserID reports whether id looks like a Slack user id.
func isUserID(id string) bool {
	return len(id) > 1 && (id[0] == 'U' || id[0] == 'W')
}

// channelLocked resolves a channel argument as Slack does: a user id means
// the bot's IM with that user. Unknown channels answer channel_not_found.
func (s *Server) channelLocked(id string) (*channel, *apiError) {
	if isUserID(id) {
		return s.imLocked(id), nil
	}
	c := s.model.channels[id]
	if c == nil {
		return nil, errCode("channel_not_found")
	}
	return c, nil
}

// writableLocked is channelLocked plus the membership rules for posting.
func (s *Server) writableLocked(id string) (*channel, *apiError) {
	c, err := s.channelLocked(id)
	if err != nil {
		return nil, err
	}
	if !c.member && (c.private || !s.writePublic) {
		return nil, errCode("not_in_channel")
	}
	return c, nil
}

// find returns the message ts in c, or nil.
func (c *channel) find(ts string) *Message {
	for _, m := range c.msgs {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// findEphemeral returns the ephemeral message ts in c, or nil.
func (c *channel) findEphemeral(ts string) *Message {
	for _, m := range c.ephemerals {
		if m.TS == ts {
			return m
		}
	}
	return nil
}

// remove deletes message ts from c and reports whether it was there.
func (c *channel) remove(ts string) bool {
	for i, m := range c.msgs {
		if m.TS == ts {
			c.msgs = append(c.msgs[:i], c.msgs[i+1:]...)
			return true
		}
	}
	for i, m := range c.ephemerals {
		if m.TS == ts {
			c.ephemerals = append(c.ephemerals[:i], c.ephemerals[i+1:]...)
			return true
		}
	}
	return false
}

// Messages returns the top-level messages of a channel (a user id means
// the IM with that user) in posting order, each in its current state.
// Thread replies posted with reply_broadcast are included too.
func (s *Server) Messages(channelID string) []Message {
	return s.collect(channelID, func(m *Message) bool { return m.ThreadTS == "" || m.Broadcast })
}

// Thread returns the replies to the message ts in a channel, in order,
// without the parent.
func (s *Server) Thread(channelID, ts string) []Message {
	return s.collect(channelID, func(m *Message) bool { return m.ThreadTS == ts })
}

// AllMessages returns every message of a channel, top-level and replies,
// in posting order.
func (s *Server) AllMessages(channelID string) []Message {
	return s.collect(channelID, func(*Message) bool { return true })
}

// Message returns the message ts of a channel in its current state.
func (s *Server) Message(channelID, ts string) (Message, bool) {
	for _, m := range s.AllMessages(channelID) {
		if m.TS == ts {
			return m, true
		}
	}
	return Message{}, false
}

func (s *Server) collect(channelID string, keep func(*Message) bool) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupLocked(channelID)
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range c.msgs {
		if keep(m) {
			out = append(out, m.clone())
		}
	}
	return out
}

// lookupLocked finds a channel by id or, for a user id, the IM if open.
func (s *Server) lookupLocked(id string) *channel {
	if isUserID(id) {
		id = s.model.dms[id]
	}
	return s.model.channels[id]
}

// Ephemerals returns the ephemeral messages user saw in a channel, in
// order, each in its current state.
func (s *Server) Ephemerals(channelID, user string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupLocked(channelID)
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range c.ephemerals {
		if m.Recipient == user {
			out = append(out, m.clone())
		}
	}
	return out
}

// WaitMessage waits until a message of the channel (top-level or reply)
// satisfies pred, and returns the first that does.
func (s *Server) WaitMessage(ctx context.Context, channelID string, pred func(Message) bool) (Message, error) {
	var got Message
	err := s.WaitFor(ctx, func(s *Server) bool {
		for _, m := range s.AllMessages(channelID) {
			if pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return Message{}, fmt.Errorf("slacktest: message in %s: %w", channelID, err)
	}
	return got, nil
}

// WaitEphemeral waits until an ephemeral message for user in the channel
// satisfies pred, and returns the first that does.
func (s *Server) WaitEphemeral(ctx context.Context, channelID, user string, pred func(Message) bool) (Message, error) {
	var got Message
	err := s.WaitFor(ctx, func(s *Server) bool {
		for _, m := range s.Ephemerals(channelID, user) {
			if pred(m) {
				got = m
				return true
			}
		}
		return false
	})
	if err != nil {
		return Message{}, fmt.Errorf("slacktest: ephemeral for %s in %s: %w", user, channelID, err)
	}
	return got, nil
}
