package slacktest

import (
	"context"
	"errors"
	"io"
	"log"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testCtx returns a context that ends with the test (or after a generous
// bound, so a broken test fails instead of hanging).
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// newServer starts a Server closed at the end of the test.
func newServer(t *testing.T) *Server {
	t.Helper()
	s := New()
	t.Cleanup(s.Close)
	return s
}

// newAPI returns a real slack.Client pointed at s with its bot token.
func newAPI(s *Server, opts ...slack.Option) *slack.Client {
	opts = append([]slack.Option{slack.OptionAPIURL(s.APIURL())}, opts...)
	return slack.New(s.BotToken(), opts...)
}

// bot is a real socketmode client run against the fake.
type bot struct {
	client *socketmode.Client
	events chan socketmode.Event // every event, for assertions
	done   chan error            // RunContext's result
}

// handler reacts to one socketmode event (acks, Web API calls ...).
type handler func(c *socketmode.Client, evt socketmode.Event)

// ackAll acks every request without a payload.
func ackAll(c *socketmode.Client, evt socketmode.Event) {
	if evt.Request != nil {
		_ = c.Ack(*evt.Request)
	}
}

// startBot runs a socketmode client with appToken until the test ends,
// passing every event to h.
func startBot(t *testing.T, s *Server, appToken string, h handler, opts ...socketmode.Option) *bot {
	t.Helper()
	api := slack.New(s.BotToken(), slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(appToken))
	client := socketmode.New(api, append([]socketmode.Option{socketmode.OptionLog(log.New(io.Discard, "", 0))}, opts...)...)
	b := &bot{client: client, events: make(chan socketmode.Event, 1000), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for {
			select {
			case <-ctx.Done():
				return
			case evt := <-client.Events:
				if h != nil {
					h(client, evt)
				}
				select {
				case b.events <- evt:
				default:
				}
			}
		}
	}()
	go func() { b.done <- client.RunContext(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-drained
	})
	return b
}

// waitEvent returns the first event of typ the bot received.
func (b *bot) waitEvent(t *testing.T, ctx context.Context, typ socketmode.EventType) socketmode.Event {
	t.Helper()
	for {
		select {
		case evt := <-b.events:
			if evt.Type == typ {
				return evt
			}
		case <-ctx.Done():
			t.Fatalf("no %s event: %v", typ, ctx.Err())
		}
	}
}

// slackErr returns the Slack error code of err, or "" when err is not a
// slack.SlackErrorResponse.
func slackErr(err error) string {
	var e slack.SlackErrorResponse
	if errors.As(err, &e) {
		return e.Err
	}
	return ""
}
