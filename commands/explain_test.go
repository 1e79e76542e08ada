package commands

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	awsDown := &providers.Error{Provider: "aws", Op: "create instance", Kind: providers.ErrUnknownOutcome,
		Message: "InternalError: An internal error has occurred.", Err: errSome}
	tests := []struct {
		name    string
		err     error
		text    string // the whole sentence; "" checks only wantRef
		level   string // the log line's level; "" means no log line
		wantRef bool
	}{
		{name: "a person's mistake", err: refuse("", "`box` is taken"), text: "`box` is taken"},
		{name: "a mistake in the command line", err: fmt.Errorf("parse: %w", &grammar.Error{Msg: "unknown command `upp`",
			Hint: "did you mean `up`?"}), text: "unknown command `upp` — did you mean `up`?"},
		{name: "a cloud's refusal", err: fmt.Errorf("create: %w", &providers.Error{Provider: "hetzner", Op: "create instance",
			Kind: providers.ErrConflict, Message: "server name is already used"}),
			text: "Hetzner Cloud says the name is already in use: server name is already used.", level: "WARN"},
		{name: "a cloud that kept failing", err: &CloudError{Provider: "aws", Action: "create the VM", For: 5 * time.Minute,
			Last: awsDown, Left: "nothing was created"},
			text:  "AWS EC2 kept failing to create the VM for 5m (its last answer: InternalError: An internal error has occurred); nothing was created.",
			level: "WARN"},
		{name: "a cloud that never answered", err: &CloudError{Provider: "digitalocean", Action: "destroy the VM", For: 90 * time.Second,
			Last: fmt.Errorf("delete: %w", context.DeadlineExceeded)},
			text: "DigitalOcean kept failing to destroy the VM for 1m30s (its last answer: no answer in time).", level: "WARN"},
		{name: "a VM that never booted", err: &BootError{Provider: "hetzner", Instance: "box", After: 10 * time.Minute,
			Status: providers.StatusOff, Destroyed: true},
			text:  "`box` was not ready after 10m (Hetzner Cloud last reported it as off); it was destroyed so that it does not bill.",
			level: "WARN"},
		{name: "a cloud's action that failed", err: &providers.Error{Provider: "digitalocean", Op: "wait for action",
			Kind: providers.ErrFailed, Message: "snapshot action 7 on droplet 8 errored"},
			text: "DigitalOcean failed: snapshot action 7 on droplet 8 errored.", level: "WARN"},
		{name: "our own bug", err: errSome, level: "ERROR", wantRef: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs testsync.Buffer
			log := slog.New(slog.NewTextHandler(&logs, nil))
			text, ref := Describe(log, "operation failed", tt.err, "op", "op-1")
			if tt.text != "" && text != tt.text {
				t.Errorf("Describe(%v) text = %q, want %q", tt.err, text, tt.text)
			}
			if tt.wantRef != (ref != "") {
				t.Errorf("Describe(%v) ref = %q, want one only for our own bug", tt.err, ref)
			}
			if tt.wantRef {
				wantContains(t, "text", text, "Something went wrong on our side (reference "+ref+")")
				wantContains(t, "log", logs.String(), "ref="+ref, "op=op-1")
			}
			switch got := logs.String(); {
			case tt.level == "" && got != "":
				t.Errorf("Describe(%v) logged %q, want nothing: it is the person's own mistake", tt.err, got)
			case tt.level != "" && !strings.Contains(got, "level="+tt.level):
				t.Errorf("Describe(%v) logged %q, want a %s line", tt.err, got, tt.level)
			}
			if strings.Contains(text, "hunter2") || strings.Contains(text, "10.0.0.7") {
				t.Errorf("Describe(%v) text = %q shows the underlying error", tt.err, text)
			}
		})
	}
}
