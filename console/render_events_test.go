package console

import (
	"testing"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/store"
)

// TestEventLineCloudTrouble checks that the events of a cloud that does
// not behave print the Service's sentence, not the event's name.
func TestEventLineCloudTrouble(t *testing.T) {
	op := store.Operation{ID: "op1", Kind: store.OpUp, Owner: "alice", Instance: "box", Provider: "demo"}
	in := &store.Instance{Name: "box", Owner: "alice"}
	tests := []struct {
		name string
		ev   commands.Event
		want string
	}{
		{"retrying", commands.Event{Kind: commands.EventRetrying, Op: op, Detail: "Demo is slow to answer, still trying."},
			"[box] Demo is slow to answer, still trying."},
		{"retrying without detail", commands.Event{Kind: commands.EventRetrying, Op: op},
			"[box] the cloud is slow to answer, still trying."},
		{"boot timeout", commands.Event{Kind: commands.EventBootTimeout, Op: op, Instance: in,
			Detail: "`box` was not ready after 5m (Demo last reported it as new); it was destroyed so that it does not bill."},
			"[box] `box` was not ready after 5m (Demo last reported it as new); it was destroyed so that it does not bill."},
		{"boot timeout without detail", commands.Event{Kind: commands.EventBootTimeout, Op: op, Instance: in},
			"[box] not ready by the boot deadline; destroyed so that it does not bill."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := EventLine(tt.ev); got != tt.want {
				t.Errorf("EventLine(%s) = %q, want %q", tt.ev.Kind, got, tt.want)
			}
		})
	}
}
