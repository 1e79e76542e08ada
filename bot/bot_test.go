package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

func TestNewDefaults(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", "https://slack.com/api/"},
		{"http://127.0.0.1:9/api", "http://127.0.0.1:9/api/"},
		{"http://127.0.0.1:9/api/", "http://127.0.0.1:9/api/"},
	}
	for _, tt := range tests {
		b := New(Config{APIURL: tt.in}, nil)
		if b.cfg.APIURL != tt.want {
			t.Errorf("New(APIURL %q).APIURL = %q, want %q", tt.in, b.cfg.APIURL, tt.want)
		}
		if b.cfg.WebTimeout != 15*time.Second {
			t.Errorf("New().WebTimeout = %v, want 15s", b.cfg.WebTimeout)
		}
	}
}

func TestRunError(t *testing.T) {
	live := context.Background()
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name    string
		ctx     context.Context
		err     error
		wantNil bool
		auth    bool
	}{
		{"invalid_auth", live, slack.SlackErrorResponse{Err: "invalid_auth"}, false, true},
		{"token_revoked", live, slack.SlackErrorResponse{Err: "token_revoked"}, false, true},
		{"not_authed", live, slack.SlackErrorResponse{Err: "not_authed"}, false, true},
		{"account_inactive", live, slack.SlackErrorResponse{Err: "account_inactive"}, false, true},
		{"404", live, slack.StatusCodeError{Code: 404, Status: "404 Not Found"}, false, true},
		{"shutdown", ended, context.Canceled, true, false},
		{"other", live, errors.New("boom"), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runError(tt.ctx, tt.err)
			if (got == nil) != tt.wantNil {
				t.Fatalf("runError(%v) = %v, want nil: %v", tt.err, got, tt.wantNil)
			}
			if errors.Is(got, errAuth) != tt.auth {
				t.Errorf("runError(%v) = %v; wraps errAuth: %v, want %v", tt.err, got, !tt.auth, tt.auth)
			}
		})
	}
}

func TestCannotPost(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("post: %w", slack.SlackErrorResponse{Err: "not_in_channel"}), true},
		{fmt.Errorf("post: %w", slack.SlackErrorResponse{Err: "channel_not_found"}), true},
		{fmt.Errorf("post: %w", slack.SlackErrorResponse{Err: "invalid_blocks"}), false},
		{&slack.RateLimitedError{RetryAfter: time.Second}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := cannotPost(tt.err); got != tt.want {
			t.Errorf("cannotPost(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestGateLetsAcksGoFirst(t *testing.T) {
	g := newGate(time.Hour)
	g.wait() // open: returns at once
	g.enter()
	g.enter()
	released := make(chan struct{})
	go func() {
		g.wait()
		close(released)
	}()
	g.leave()
	select {
	case <-released:
		t.Fatal("wait returned while an envelope still waits for its ack")
	case <-time.After(20 * time.Millisecond):
	}
	g.leave()
	<-released
}

func TestQueueKeepsOrderPerOperation(t *testing.T) {
	b := New(Config{}, nil)
	st := b.state("op1")
	var mu sync.Mutex
	var got []int
	for i := range 100 {
		b.enqueue(st, func() {
			mu.Lock()
			got = append(got, i)
			mu.Unlock()
		})
	}
	st.mu.Lock()
	st.final = true
	st.mu.Unlock()
	b.enqueue(st, func() {})
	if err := b.Drain(t.Context()); err != nil {
		t.Fatalf("Drain = %v", err)
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("task %d ran as number %d; order lost: %v", v, i, got)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.ops["op1"]; ok {
		t.Error("a finished operation's state was kept")
	}
}

// recordingAcker records acks.
type recordingAcker struct {
	mu   sync.Mutex
	acks []any
}

func (r *recordingAcker) AckCtx(_ context.Context, _ string, payload any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acks = append(r.acks, payload)
	return nil
}

func TestTooBigAnswerGoesToResponseURL(t *testing.T) {
	posted := make(chan slack.WebhookMessage, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m slack.WebhookMessage
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &m)
		posted <- m
		_, _ = io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	b := New(Config{Logger: slog.New(slog.DiscardHandler)}, nil)
	big := textMessage(esc(strings.Repeat("x", 2900)))
	for range 8 {
		big.Blocks = append(big.Blocks, section(esc(strings.Repeat("y", 2900))))
	}
	a := &recordingAcker{}
	b.ackMessage(context.Background(), a, socketmode.Request{EnvelopeID: "e1"}, big, srv.URL)
	b.handlers.Wait()
	if len(a.acks) != 1 {
		t.Fatalf("%d acks, want 1", len(a.acks))
	}
	raw, _ := json.Marshal(a.acks[0])
	if len(raw) >= maxAck {
		t.Errorf("ack of %d bytes, want < %d", len(raw), maxAck)
	}
	m := <-posted
	if m.ResponseType != "ephemeral" || m.Blocks == nil || len(m.Blocks.BlockSet) != len(big.Blocks) {
		t.Errorf("response_url got %+v, want the whole answer, ephemeral", m)
	}
}

// TestRateLimitedPostIsRetried checks that a 429 on chat.postMessage
// delays the root message instead of losing it.
func TestRateLimitedPostIsRetried(t *testing.T) {
	h := newHarness(t)
	h.slack.RateLimitNext("chat.postMessage", 1, time.Second)
	root := h.up(alice, "")
	h.waitThread(general, root.TS, "ssh dev@")
	var limited int
	for _, c := range h.slack.CallLog("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("%d rate-limited posts, want 1", limited)
	}
}

// TestNotifyWithoutThreadOrChannel checks that an operation nobody typed
// (no channel) is shown only in the team channel.
func TestNotifyWithoutThreadOrChannel(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.bot.NotifyChannel = opsChan })
	in := store.Instance{Name: "reaped-vm", Owner: alice, Size: "small", Region: "demo-eu", PriceHourly: 0.0074}
	h.bot.Notify(h.ctx, commands.Event{Kind: commands.EventDestroyed, Actor: "",
		Op:       store.Operation{ID: "opreap", Kind: store.OpDown, State: store.OpDone, Owner: alice, Instance: "reaped-vm", Provider: "demo"},
		Instance: &in, ProviderLabel: "Demo cloud"})
	h.waitMessage(opsChan, "destroyed `reaped-vm`")
	if got := len(h.slack.AllMessages(general)); got != 0 {
		t.Errorf("%d messages in %s for an operation with no channel", got, general)
	}
}

func TestGateSettlesAfterQuiet(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate(time.Hour)
		g.enter()
		g.enter() // a burst: two envelopes wait at once
		g.leave()
		start := time.Now()
		settled := make(chan time.Time, 1)
		go func() {
			g.settle()
			settled <- time.Now()
		}()
		time.Sleep(time.Millisecond)
		g.leave() // open, but a burst may go on
		time.Sleep(2 * time.Millisecond)
		g.enter() // it does
		g.enter()
		time.Sleep(3 * time.Millisecond)
		g.leave()
		g.leave()
		synctest.Wait()
		select {
		case at := <-settled:
			t.Fatalf("settle returned %s after the start, with the last ack just now; want %s of quiet first", at.Sub(start), quiet)
		default:
		}
		time.Sleep(quiet)
		synctest.Wait()
		select {
		case at := <-settled:
			if got, want := at.Sub(start), 6*time.Millisecond+quiet; got != want {
				t.Errorf("settle returned after %s, want %s (the last ack plus %s)", got, want, quiet)
			}
		default:
			t.Errorf("settle still waits %s after the last ack", quiet)
		}
	})
}

func TestGateSettlesAtOnceWithoutBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate(time.Hour)
		g.enter() // one command at a time
		g.leave()
		start := time.Now()
		g.settle()
		if got := time.Since(start); got != 0 {
			t.Errorf("settle after a lone envelope waited %s, want 0", got)
		}
	})
}

func TestGateSettleGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		g := newGate(time.Second)
		g.enter() // never acked
		start := time.Now()
		g.settle()
		if got := time.Since(start); got != time.Second {
			t.Errorf("settle with an envelope never acked returned after %s, want maxDefer (1s)", got)
		}
	})
}
