// Package slacktest is a fake Slack for end-to-end tests of a Socket Mode
// bot built on slack-go.
//
// A Server speaks the Socket Mode websocket (hello, pings, envelopes, acks,
// disconnect) and the Web API methods the bot uses (chat.*, views.*,
// conversations.open, conversations.history, conversations.replies,
// auth.test, users.info). It keeps a channel model so
// tests read what a person would see: messages in order with their current
// text after updates, threads, ephemeral messages, modals and App Home. It
// enforces the limits real Slack enforces and answers with the same errors,
// and it has knobs for rate limits and failures.
//
// Point the bot at it with slack.OptionAPIURL(s.APIURL()),
// slack.OptionAppLevelToken(s.AppToken()) and s.BotToken().
package slacktest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Identities of the fake workspace and app.
const (
	TeamID     = "T0SPUFF"
	TeamDomain = "spuff-test"
	AppID      = "A0SPUFF"
	BotUserID  = "U0SPUFFBOT"
	BotID      = "B0SPUFF"
	BotName    = "spuffbot"

	// DefaultAppToken and DefaultBotToken are the tokens a new Server accepts.
	DefaultAppToken = "xapp-1-A0SPUFF-1-test"
	DefaultBotToken = "xoxb-0-0-test"

	// DefaultChannel is a public channel that exists in every new Server,
	// with the bot as a member. Commands are sent from it by default.
	DefaultChannel     = "C0GENERAL"
	DefaultChannelName = "general"

	// DefaultUser is the person who sends commands and presses buttons
	// unless a test names another.
	DefaultUser     = "U0ALICE"
	DefaultUserName = "alice"
)

// Server is a fake Slack workspace with one installed app. All methods are
// safe for concurrent use.
type Server struct {
	http *httptest.Server
	wg   sync.WaitGroup // connection goroutines

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool

	appToken, botToken string
	pingInterval       time.Duration
	triggerTTL         time.Duration
	writePublic        bool

	lastTS int64 // the last message timestamp, in microseconds
	idSeq  int   // view, trigger and channel ids

	socket socketState
	web    webState
	model  modelState
}

// New starts a Server on a local port. Close it when done.
func New() *Server {
	s := &Server{
		changed:      make(chan struct{}),
		appToken:     DefaultAppToken,
		botToken:     DefaultBotToken,
		pingInterval: 200 * time.Millisecond,
		triggerTTL:   3 * time.Second,
		writePublic:  true,
	}
	s.socket.init()
	s.web.init()
	s.model.init()
	s.model.channels[DefaultChannel] = &channel{id: DefaultChannel, name: DefaultChannelName, member: true}

	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/link", s.serveSocket)
	mux.HandleFunc("/response/", s.serveResponseURL)
	s.http = httptest.NewServer(mux)
	return s
}

// Close drops every websocket connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	conns := s.allConnsLocked()
	s.notifyLocked()
	s.mu.Unlock()

	for _, c := range conns {
		c.close()
	}
	s.http.Close()
	s.wg.Wait()
}

// URL returns the server's base URL, like "http://127.0.0.1:1234".
func (s *Server) URL() string { return s.http.URL }

// APIURL returns the Web API base to pass to slack.OptionAPIURL; it ends
// in "/api/".
func (s *Server) APIURL() string { return s.http.URL + "/api/" }

// SetTokens sets the app-level token apps.connections.open requires and
// the bot token every other Web API method requires.
func (s *Server) SetTokens(appToken, botToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.appToken, s.botToken = appToken, botToken
}

// AppToken returns the app-level token the server accepts.
func (s *Server) AppToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appToken
}

// BotToken returns the bot token the server accepts.
func (s *Server) BotToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.botToken
}

// SetPingInterval sets how often websocket pings are sent on connections
// opened afterwards (default 200 ms).
func (s *Server) SetPingInterval(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pingInterval = d
}

// SetTriggerTTL sets how long a trigger_id stays usable for views.open
// (default 3 s, as in Slack).
func (s *Server) SetTriggerTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.triggerTTL = d
}

// SetChatWritePublic sets whether the app holds the chat:write.public
// scope (default true): with it the bot may post in public channels it is
// not a member of; without it such posts answer not_in_channel.
func (s *Server) SetChatWritePublic(ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writePublic = ok
}

// WaitFor blocks until cond reports true or ctx ends. cond is evaluated
// after every state change (message, ack, call, connection); it may call
// any Server method.
func (s *Server) WaitFor(ctx context.Context, cond func(*Server) bool) error {
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond(s) {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("slacktest: wait: %w", ctx.Err())
		}
	}
}

// notifyLocked wakes every waiter. s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// nextTSLocked returns a new message timestamp: the time now, as Slack's
// are (conversations.history filters by it), made greater than every one
// before it. s.mu must be held.
func (s *Server) nextTSLocked() string {
	s.lastTS = max(time.Now().UnixMicro(), s.lastTS+1)
	return formatTS(s.lastTS)
}

// nextIDLocked returns a new id with the given prefix, like "V00000001".
// s.mu must be held.
func (s *Server) nextIDLocked(prefix string) string {
	s.idSeq++
	return fmt.Sprintf("%s%08d", prefix, s.idSeq)
}

// newEnvelopeID returns a random UUID-shaped id, as Slack uses.
func newEnvelopeID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// wsURL returns the websocket base of the server.
func (s *Server) wsURL() string {
	return "ws" + strings.TrimPrefix(s.http.URL, "http")
}
