package slacktest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Envelope is one Socket Mode frame sent to the app.
type Envelope struct {
	// Type is "slash_commands", "interactive" or "events_api" (anything
	// else reaches slack-go as a bad message).
	Type string
	// EnvelopeID is generated when empty. Reuse one to redeliver.
	EnvelopeID             string
	Payload                json.RawMessage
	AcceptsResponsePayload bool
	RetryAttempt           int
	RetryReason            string
}

// envelopeInfo is what the server remembers of a sent envelope, to give
// the ack its effect (an ephemeral reply, a closed modal).
type envelopeInfo struct {
	kind   string // slash_commands, block_actions, view_submission, events_api
	viewID string // the submitted view
	sentAt time.Time
	sends  int
}

// Ack is one acknowledgement the app sent back.
type Ack struct {
	EnvelopeID string
	// Payload is the raw ack payload; nil when the ack carried none.
	Payload json.RawMessage
	// Decoded holds the payload fields Slack acts on.
	Decoded AckPayload
	// Conn is the id of the connection it arrived on.
	Conn int
	// SentAt is when the envelope was (last) sent, At when the ack arrived.
	SentAt, At time.Time
	// Err is the error Slack would report for the payload (for example
	// "invalid_blocks" when an ephemeral reply breaks a limit), or "".
	Err string
}

// AckPayload is the part of an ack payload Slack reads.
type AckPayload struct {
	// Slash commands: a reply shown to the user (ephemeral) or the channel.
	Text         string          `json:"text"`
	Blocks       json.RawMessage `json:"blocks"`
	ResponseType string          `json:"response_type"`
	// View submissions: clear, errors, update or push.
	ResponseAction string            `json:"response_action"`
	Errors         map[string]string `json:"errors"`
	View           json.RawMessage   `json:"view"`
}

// ErrNoAck is returned by WaitAck when ctx ends before the ack arrives.
var ErrNoAck = errors.New("slacktest: no ack")

// SendEnvelope delivers env on one open connection, chosen round robin,
// waiting for a connection if none is open. It returns the envelope id.
func (s *Server) SendEnvelope(ctx context.Context, env Envelope) (string, error) {
	return s.send(ctx, env, nil)
}

// send delivers env and remembers info (when not nil) for the ack.
func (s *Server) send(ctx context.Context, env Envelope, info *envelopeInfo) (string, error) {
	if env.EnvelopeID == "" {
		env.EnvelopeID = newEnvelopeID()
	}
	if env.Payload == nil {
		env.Payload = json.RawMessage("{}")
	}
	frame := map[string]any{
		"type":                     env.Type,
		"envelope_id":              env.EnvelopeID,
		"payload":                  env.Payload,
		"accepts_response_payload": env.AcceptsResponsePayload,
		"retry_attempt":            env.RetryAttempt,
		"retry_reason":             env.RetryReason,
	}
	for {
		if err := s.WaitConnected(ctx, 1); err != nil {
			return "", fmt.Errorf("slacktest: send %s envelope: no connection: %w", env.Type, err)
		}
		c := s.pickConn(env.EnvelopeID, env.Type, info)
		if c == nil {
			continue // it closed between the wait and the pick
		}
		if err := c.writeJSON(frame); err != nil {
			s.undoDelivery(env.EnvelopeID)
			s.dropConn(c)
			continue
		}
		return env.EnvelopeID, nil
	}
}

// pickConn takes the next connection in the rotation and records the
// delivery.
func (s *Server) pickConn(id, typ string, info *envelopeInfo) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.socket.conns) == 0 {
		return nil
	}
	c := s.socket.conns[s.socket.next%len(s.socket.conns)]
	s.socket.next++
	prev := s.socket.envelopes[id]
	switch {
	case info != nil:
		if prev != nil {
			info.sends = prev.sends
		}
	case prev != nil:
		info = prev
	default:
		info = &envelopeInfo{kind: typ}
	}
	info.sentAt = time.Now()
	info.sends++
	s.socket.envelopes[id] = info
	return c
}

// undoDelivery uncounts a delivery whose write failed.
func (s *Server) undoDelivery(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if info := s.socket.envelopes[id]; info != nil && info.sends > 0 {
		info.sends--
	}
}

// recordAck stores an ack frame and applies its effect.
func (s *Server) recordAck(connID int, data []byte) {
	var frame struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	if err := json.Unmarshal(data, &frame); err != nil || frame.EnvelopeID == "" {
		return // Slack ignores frames that are not acks
	}
	a := Ack{EnvelopeID: frame.EnvelopeID, Conn: connID, At: time.Now()}
	if len(frame.Payload) > 0 && string(frame.Payload) != "null" {
		a.Payload = frame.Payload
		_ = json.Unmarshal(frame.Payload, &a.Decoded)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if info := s.socket.envelopes[a.EnvelopeID]; info != nil {
		a.SentAt = info.sentAt
		a.Err = s.applyAckLocked(info, a)
	}
	s.socket.acks = append(s.socket.acks, a)
	s.notifyLocked()
}

// Acks returns every ack received, in arrival order.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.socket.acks...)
}

// AcksFor returns the acks received for one envelope id.
func (s *Server) AcksFor(envelopeID string) []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Ack
	for _, a := range s.socket.acks {
		if a.EnvelopeID == envelopeID {
			out = append(out, a)
		}
	}
	return out
}

// Deliveries returns how many times an envelope id was sent.
func (s *Server) Deliveries(envelopeID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if info := s.socket.envelopes[envelopeID]; info != nil {
		return info.sends
	}
	return 0
}

// WaitAck returns the first ack for envelopeID once it arrives.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var got Ack
	err := s.WaitFor(ctx, func(s *Server) bool {
		acks := s.AcksFor(envelopeID)
		if len(acks) == 0 {
			return false
		}
		got = acks[0]
		return true
	})
	if err != nil {
		return Ack{}, fmt.Errorf("%w for envelope %s: %w", ErrNoAck, envelopeID, err)
	}
	return got, nil
}
