package commands

import (
	"testing"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

// TestSnapshotsAreTheirMakers checks that a person boots and lists only
// the snapshots they made, by id or by name, while an admin may boot and
// list anyone's.
func TestSnapshotsAreTheirMakers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	e.up(caller(alice), "box")
	made := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box", Label: "secrets"})
	if made.State != store.OpDone || made.SnapshotID == "" {
		t.Fatalf("snapshot create = %+v, want done with an id", made)
	}
	id := made.SnapshotID

	tests := []struct {
		name   string
		who    string
		ref    string
		booted bool
	}{
		{"another person by id", mallory, id, false},
		{"another person by name", mallory, "box-secrets", false},
		{"another person by full name", mallory, "spuff-box-secrets", false},
		{"the maker by id", alice, id, true},
		{"the maker by name", alice, "box-secrets", true},
		{"an admin", root, "box-secrets", true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "copy" + string(rune('a'+i))
			before := e.cloudCount()
			op := e.run(caller(tt.who), grammar.Command{Verb: grammar.VerbUp, Name: name, Snapshot: tt.ref})
			if tt.booted {
				if op.State != store.OpDone {
					t.Fatalf("%s booting %q: %s (%s), want done", tt.who, tt.ref, op.State, op.Error)
				}
				return
			}
			if op.State != store.OpFailed {
				t.Fatalf("%s booting %q: %s, want failed", tt.who, tt.ref, op.State)
			}
			wantContains(t, "Error", op.Error, "you have no snapshot `"+tt.ref+"`", "only your own snapshots")
			if op.CloudID != "" || e.cloudCount() != before {
				t.Errorf("a refused boot reached the cloud: op %+v, %d VMs before, %d after", op, before, e.cloudCount())
			}
		})
	}

	list := func(who string, all bool) []SnapshotView {
		t.Helper()
		r := e.handle("", caller(who), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list", All: all})
		got, err := r.Followup(e.ctx)
		if err != nil {
			t.Fatalf("snapshot list by %s: %v", who, err)
		}
		return got.Snapshots
	}
	if got := list(mallory, false); len(got) != 0 {
		t.Errorf("mallory's snapshot list = %+v, want none of alice's", got)
	}
	if got := list(alice, false); len(got) != 1 || got[0].ID != id || got[0].Owner != alice {
		t.Errorf("alice's snapshot list = %+v, want %s owned by her", got, id)
	}
	if got := list(root, true); len(got) != 1 || got[0].Owner != alice {
		t.Errorf("admin's snapshot list --all = %+v, want alice's with her as owner", got)
	}
	ue := e.refused(caller(mallory), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list", All: true})
	wantContains(t, "snapshot list --all by mallory", ue.Error(), "only admins", "@"+root)
}

// TestCustomImagesNeedAllowing checks who may boot a custom image id:
// anyone when the allow-list has it (for any cloud, or for this one), an
// admin always, nobody else; the refusal names what is allowed, both when
// it is decided at once (catalog cached) and when the run decides it.
func TestCustomImagesNeedAllowing(t *testing.T) {
	t.Parallel()
	cfg := withConfig(func(c *Config) {
		c.Admins = []string{root}
		c.AllowedImages = []string{"img-team", "demo:img-demo-only", "hetzner:img-elsewhere"}
	})
	tests := []struct {
		name  string
		who   string
		image string
		ok    bool
	}{
		{"public image", mallory, "debian-12", true},
		{"allowed everywhere", mallory, "img-team", true},
		{"allowed on this cloud", mallory, "img-demo-only", true},
		{"allowed on another cloud", mallory, "img-elsewhere", false},
		{"a private id", mallory, "img-alices-secret", false},
		{"an admin's private id", root, "img-alices-secret", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, cfg)
			r, err := e.svc.Handle(e.ctx, "", caller(tt.who), grammar.Command{Verb: grammar.VerbUp, Name: "box", Image: tt.image})
			if tt.ok {
				if err != nil {
					t.Fatalf("up --image %s by %s = %v, want accepted", tt.image, tt.who, err)
				}
				if r.Op == nil {
					t.Fatalf("up --image %s by %s journaled nothing", tt.image, tt.who)
				}
				return
			}
			ue, ok := err.(*UsageError)
			if !ok {
				t.Fatalf("up --image %s by %s = %+v, %v; want a refusal", tt.image, tt.who, r, err)
			}
			wantContains(t, "refusal", ue.Error(), "image `"+tt.image+"`", "ubuntu-24.04", "img-team", "img-demo-only", "images.allowed")
		})
	}

	t.Run("decided by the run when the catalog is cold", func(t *testing.T) {
		e := newEnv(t, cfg, noWarm)
		op := e.run(caller(mallory), grammar.Command{Verb: grammar.VerbUp, Name: "box", Image: "img-alices-secret"})
		if op.State != store.OpFailed || op.CloudID != "" || e.cloudCount() != 0 {
			t.Fatalf("cold up --image by mallory = %+v (%d VMs), want failed before the cloud", op, e.cloudCount())
		}
		wantContains(t, "Error", op.Error, "image `img-alices-secret`", "allowed")
	})
}
