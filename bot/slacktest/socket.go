package slacktest

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketState is the Socket Mode half of the server, guarded by Server.mu.
type socketState struct {
	tickets   map[string]bool // issued by apps.connections.open, used once
	conns     []*conn         // connections in the delivery rotation
	draining  []*conn         // told to disconnect: still read, never written
	next      int             // round-robin position in conns
	seq       int             // connection ids
	accepted  int             // connections ever accepted
	pongs     int             // pong frames received
	envelopes map[string]*envelopeInfo
	acks      []Ack
}

func (st *socketState) init() {
	st.tickets = make(map[string]bool)
	st.envelopes = make(map[string]*envelopeInfo)
}

// conn is one Socket Mode websocket.
type conn struct {
	id      int
	ws      *websocket.Conn
	writeMu sync.Mutex // gorilla allows one writer at a time
	done    chan struct{}
	once    sync.Once
}

// writeJSON sends one text frame.
func (c *conn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// close ends the connection; safe to call more than once.
func (c *conn) close() {
	c.once.Do(func() {
		close(c.done)
		_ = c.ws.Close()
	})
}

// connectionsOpen answers apps.connections.open with a single-use URL.
func connectionsOpen(s *Server, _ *apiRequest) reply {
	ticket := newEnvelopeID()
	s.socket.tickets[ticket] = true
	return ok(map[string]any{"url": s.wsURL() + "/link?ticket=" + ticket + "&app_id=" + AppID})
}

var upgrader = websocket.Upgrader{
	// Slack's client sends Origin: https://api.slack.com; accept any.
	CheckOrigin: func(*http.Request) bool { return true },
}

// serveSocket upgrades a dial of a URL from apps.connections.open, sends
// hello, and serves the connection until it ends.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	valid := s.socket.tickets[ticket] && !s.closed
	delete(s.socket.tickets, ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader already answered
	}

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = ws.Close()
		return
	}
	s.socket.seq++
	c := &conn{id: s.socket.seq, ws: ws, done: make(chan struct{})}
	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.socket.pongs++
		s.notifyLocked()
		return nil
	})
	n := len(s.socket.conns) + 1
	ping := s.pingInterval
	s.wg.Add(2)
	s.mu.Unlock()

	go s.readAcks(c)
	go s.ping(c, ping)

	hello := map[string]any{
		"type":            "hello",
		"num_connections": n,
		"connection_info": map[string]any{"app_id": AppID},
		"debug_info":      map[string]any{"host": "slacktest", "approximate_connection_time": 3600},
	}
	if err := c.writeJSON(hello); err != nil {
		c.close()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-c.done: // dropped before it joined
		return
	default:
	}
	if s.closed { // Close missed it: it was not in the rotation yet
		c.close()
		return
	}
	s.socket.conns = append(s.socket.conns, c)
	s.socket.accepted++
	s.notifyLocked()
}

// ping sends a websocket PING every interval until the connection ends.
func (s *Server) ping(c *conn, interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)); err != nil {
				s.dropConn(c)
				return
			}
		}
	}
}

// readAcks records every frame the client sends as an ack until the
// connection ends.
func (s *Server) readAcks(c *conn) {
	defer s.wg.Done()
	defer s.dropConn(c)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		s.recordAck(c.id, data)
	}
}

// dropConn closes c and forgets it.
func (s *Server) dropConn(c *conn) {
	c.close()
	s.mu.Lock()
	defer s.mu.Unlock()
	before := len(s.socket.conns) + len(s.socket.draining)
	s.socket.conns = slices.DeleteFunc(s.socket.conns, func(x *conn) bool { return x == c })
	s.socket.draining = slices.DeleteFunc(s.socket.draining, func(x *conn) bool { return x == c })
	if len(s.socket.conns)+len(s.socket.draining) != before {
		s.notifyLocked()
	}
}

// allConnsLocked returns every open connection, draining ones included.
func (s *Server) allConnsLocked() []*conn {
	return append(slices.Clone(s.socket.conns), s.socket.draining...)
}

// Disconnect sends a disconnect frame with reason (Slack uses
// "refresh_requested", "warning", "link_disabled") on every connection,
// as Slack does before it rotates them; slack-go then reconnects. From
// then on envelopes go only to connections opened afterwards; acks still
// arrive on the old ones until the client closes them.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	conns := s.socket.conns
	s.socket.conns = nil
	s.socket.draining = append(s.socket.draining, conns...)
	s.notifyLocked()
	s.mu.Unlock()
	frame := map[string]any{
		"type":       "disconnect",
		"reason":     reason,
		"debug_info": map[string]any{"host": "slacktest"},
	}
	for _, c := range conns {
		if err := c.writeJSON(frame); err != nil {
			s.dropConn(c)
		}
	}
}

// DropConnections closes every websocket without a disconnect frame, as a
// network failure would.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := s.allConnsLocked()
	s.mu.Unlock()
	for _, c := range conns {
		s.dropConn(c)
	}
}

// Connections returns the number of open Socket Mode connections that
// receive envelopes (not counting those told to disconnect).
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.socket.conns)
}

// ConnectionsAccepted returns how many Socket Mode connections were ever
// accepted, reconnects included.
func (s *Server) ConnectionsAccepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.socket.accepted
}

// Pongs returns how many answers to its pings the server received.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.socket.pongs
}

// WaitConnected blocks until at least n connections are open.
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.WaitFor(ctx, func(s *Server) bool { return s.Connections() >= n })
}
