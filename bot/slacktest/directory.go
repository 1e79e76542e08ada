package slacktest

import (
	"strings"
)

// User is a person (or the bot) in the workspace.
type User struct {
	ID       string
	Name     string
	RealName string
	Email    string
	TZ       string // IANA zone, default "UTC"
	IsAdmin  bool
	IsBot    bool
}

// AddUser adds or replaces a person. Users that were never added still
// resolve in users.info when their id looks like a user id (U... or W...),
// with a name made from the id ("U0BOB" -> "bob").
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.model.users[u.ID] = u
	s.notifyLocked()
}

// userLocked returns the user id, made up when it was never added.
func (s *Server) userLocked(id string) (User, bool) {
	if u, ok := s.model.users[id]; ok {
		return u, true
	}
	if !isUserID(id) {
		return User{}, false
	}
	name := strings.ToLower(strings.TrimLeft(id[1:], "0"))
	return User{ID: id, Name: name, RealName: name}, true
}

func usersInfo(s *Server, req *apiRequest) reply {
	u, found := s.userLocked(req.str("user"))
	if !found {
		return fail(errCode("user_not_found"))
	}
	tz := u.TZ
	if tz == "" {
		tz = "UTC"
	}
	return ok(map[string]any{"user": map[string]any{
		"id":        u.ID,
		"team_id":   TeamID,
		"name":      u.Name,
		"real_name": u.RealName,
		"tz":        tz,
		"is_admin":  u.IsAdmin,
		"is_bot":    u.IsBot,
		"deleted":   false,
		"profile": map[string]any{
			"real_name":    u.RealName,
			"display_name": u.Name,
			"email":        u.Email,
		},
	}})
}

func authTest(s *Server, _ *apiRequest) reply {
	return ok(map[string]any{
		"url":     "https://" + TeamDomain + ".slack.com/",
		"team":    TeamDomain,
		"user":    BotName,
		"team_id": TeamID,
		"user_id": BotUserID,
		"bot_id":  BotID,
	})
}

// conversationsOpen opens the bot's IM with one user, or a group IM with
// several.
func conversationsOpen(s *Server, req *apiRequest) reply {
	if id := req.str("channel"); id != "" {
		c, err := s.channelLocked(id)
		if err != nil {
			return fail(err)
		}
		return ok(map[string]any{"channel": channelWire(c), "already_open": true, "no_op": true})
	}
	var users []string
	for _, u := range strings.Split(req.str("users"), ",") {
		if u = strings.TrimSpace(u); u != "" {
			users = append(users, u)
		}
	}
	switch len(users) {
	case 0:
		return fail(errCode("users_list_not_supplied"))
	case 1:
		if _, found := s.userLocked(users[0]); !found {
			return fail(errCode("user_not_found"))
		}
		_, open := s.model.dms[users[0]]
		c := s.imLocked(users[0])
		return ok(map[string]any{"channel": channelWire(c), "already_open": open, "no_op": open})
	default:
		if len(users) > 8 {
			return fail(errCode("too_many_users"))
		}
		key := "mpim:" + strings.Join(users, ",")
		if id, open := s.model.dms[key]; open {
			return ok(map[string]any{"channel": channelWire(s.model.channels[id]), "already_open": true, "no_op": true})
		}
		c := &channel{id: s.nextIDLocked("G"), name: "mpdm-" + strings.Join(users, "--"), private: true, member: true}
		s.model.channels[c.id] = c
		s.model.dms[key] = c.id
		return ok(map[string]any{"channel": channelWire(c), "already_open": false, "no_op": false})
	}
}

func channelWire(c *channel) map[string]any {
	w := map[string]any{"id": c.id, "name": c.name, "is_im": c.im, "is_private": c.private, "is_member": c.member}
	if c.im {
		w["user"] = c.user
	}
	return w
}
