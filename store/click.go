package store

import "time"

// Click is a button press on a card (a lease or idle warning) recorded
// under its idempotency key, so that the card answers once: a second
// press with the same key, even after a restart or on another replica,
// finds the first and changes nothing. A store writes it first-wins and
// removes it with the journal's retention.
type Click struct {
	// Key is the idempotency key, e.g. the clicked card's channel and
	// message: every button of a card shares it.
	Key string `json:"key"`
	// Action is the button pressed, e.g. "extend" or "keep".
	Action string `json:"action"`
	// Instance is the instance the card is about.
	Instance string `json:"instance,omitempty"`
	// Actor is who pressed it (a Slack user id).
	Actor string `json:"actor"`
	// Op is the operation the click started, if any (e.g. a down).
	Op string `json:"op,omitempty"`
	// At is when it was pressed; the store stamps it when zero.
	At time.Time `json:"at"`
}
