package commands

import (
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store"
)

// TestSnapshotDestroyRestoreRoundTrip runs `down --snapshot` and then `up
// --snapshot` against the DigitalOcean emulator through the real godo
// client: the first VM is gone, its snapshot exists, and the second VM
// boots from it.
func TestSnapshotDestroyRestoreRoundTrip(t *testing.T) {
	t.Parallel()
	emu := providertest.NewDigitalOcean()
	t.Cleanup(emu.Close)
	emu.SetReadyAfter(10 * time.Millisecond)
	emu.SetActionAfter(10 * time.Millisecond)
	do, err := digitalocean.New(digitalocean.Config{Token: secret.New("t"), BaseURL: emu.URL,
		PollInterval: 5 * time.Millisecond, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *envOptions) {
		o.extra = map[string]providers.Provider{"digitalocean": do}
		o.cfg.DefaultProvider = "digitalocean"
	})
	e.svc.Warm(e.ctx)

	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box", Provider: "digitalocean"}); op.State != store.OpDone {
		t.Fatalf("up: %s %s", op.State, op.Error)
	}
	down := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box", WithSnapshot: true})
	if down.State != store.OpDone || down.SnapshotID == "" {
		t.Fatalf("down --snapshot: %s %s, snapshot %q", down.State, down.Error, down.SnapshotID)
	}
	kinds := e.rec.kinds(down.ID)
	if !containsKinds(kinds, EventSnapshotting, EventSnapshotCreated, EventDestroying, EventDestroyed) {
		t.Errorf("down --snapshot events = %v, want the snapshot then the destroy in one thread", kinds)
	}
	if n := len(emu.Droplets()); n != 0 {
		t.Errorf("droplets after down = %d, want 0", n)
	}
	if n := len(emu.Snapshots()); n != 1 {
		t.Fatalf("snapshots after down --snapshot = %d, want 1", n)
	}

	up := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box2", Provider: "digitalocean", Snapshot: "box-final"})
	if up.State != store.OpDone {
		t.Fatalf("restore: %s %s", up.State, up.Error)
	}
	drops := emu.Droplets()
	if len(drops) != 1 || drops[0].Image != emu.Snapshots()[0].ID {
		t.Errorf("restored droplet = %+v, want one booted from snapshot %s", drops, emu.Snapshots()[0].ID)
	}
}

// containsKinds reports whether want appear in kinds in this order.
func containsKinds(kinds []EventKind, want ...EventKind) bool {
	i := 0
	for _, k := range kinds {
		if i < len(want) && k == want[i] {
			i++
		}
	}
	return i == len(want)
}
