package commands

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
)

// TestUpSendsCloudInit checks the user data every VM boots with: the dev
// user with the owner's key, the hostname, the operator's extra merged.
func TestUpSendsCloudInit(t *testing.T) {
	t.Parallel()
	var rec *requests
	e := newEnv(t, func(o *envOptions) {
		o.wrap = func(p *demo.Provider) providers.Provider { rec = &requests{Provider: p}; return rec }
		o.cfg.CloudInit = "packages: [htop]\n"
	})
	key, _ := authorizedKey(t, genEd25519, "alice@laptop")
	e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: key})
	e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})

	rec.mu.Lock()
	defer rec.mu.Unlock()
	ud := rec.got[0].UserData
	if !strings.HasPrefix(ud, "#cloud-config\n") {
		t.Fatalf("user data does not start with #cloud-config:\n%s", ud)
	}
	var doc struct {
		Hostname string   `yaml:"hostname"`
		Packages []string `yaml:"packages"`
		Users    []struct {
			Name string   `yaml:"name"`
			Keys []string `yaml:"ssh_authorized_keys"`
		} `yaml:"users"`
	}
	if err := yaml.Unmarshal([]byte(ud), &doc); err != nil {
		t.Fatalf("user data is not YAML: %v", err)
	}
	if doc.Hostname != "box" || len(doc.Users) == 0 || doc.Users[0].Name != "dev" ||
		len(doc.Users[0].Keys) != 1 || doc.Users[0].Keys[0] != key {
		t.Errorf("user data = %+v, want hostname box and user dev with alice's key", doc)
	}
	if !strings.Contains(strings.Join(doc.Packages, ","), "htop") {
		t.Errorf("packages %q lack the operator's extra htop", doc.Packages)
	}
}

func TestUpWithoutKeysWarns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "/spuff key add") {
		t.Errorf("Warnings = %q, want one explaining `/spuff key add`", r.Warnings)
	}
	key, _ := authorizedKey(t, genEd25519, "")
	e.handle("", caller(bob), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: key})
	if r := e.handle("", caller(bob), grammar.Command{Verb: grammar.VerbUp, Name: "box2"}); len(r.Warnings) != 0 {
		t.Errorf("Warnings with a key = %q, want none", r.Warnings)
	}
}

// TestUpFromSnapshotByName restores a snapshot named as the person knows
// it; an unknown one fails with the way to list them.
func TestUpFromSnapshotByName(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.up(caller(alice), "box")
	snapOp := e.run(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "create", Name: "box", Label: "base"})
	if snapOp.SnapshotID == "" {
		t.Fatalf("snapshot create recorded no id: %+v", snapOp)
	}
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box2", Snapshot: "box-base"})
	if in := e.instance("box2"); in.Status != "ready" {
		t.Fatalf("restore by name: op %+v, instance %+v", op, in)
	}
	op = e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box3", Snapshot: "nope"})
	if op.State != "failed" || !strings.Contains(op.Error, "you have no snapshot `nope`") {
		t.Errorf("restore of an unknown snapshot: %+v, want failed naming it", op)
	}
}
