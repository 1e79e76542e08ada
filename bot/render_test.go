package bot

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// now is the fixed clock of the rendering tests.
var now = time.Date(2024, 5, 6, 14, 2, 0, 0, time.UTC)

func golden(t *testing.T, name string, m message) {
	t.Helper()
	checkLimits(t, m)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // keep <@U1> readable
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatalf("marshal %s: %v", name, err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s (-want +got):\n%s", name, path, cmp.Diff(string(want), string(got)))
	}
}

// checkLimits fails when m breaks a limit Slack enforces.
func checkLimits(t *testing.T, m message) {
	t.Helper()
	if len(m.Blocks) > maxBlocks {
		t.Errorf("%d blocks, Slack takes at most %d", len(m.Blocks), maxBlocks)
	}
	for i, b := range m.Blocks {
		if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && len([]rune(s.Text.Text)) > maxSectionText {
			t.Errorf("block %d: section text of %d characters, Slack takes at most %d", i, len([]rune(s.Text.Text)), maxSectionText)
		}
	}
	raw, _ := json.Marshal(ephemeral(m))
	if len(raw) >= maxAck {
		t.Errorf("ephemeral payload of %d bytes, want < %d", len(raw), maxAck)
	}
}

func instance(name, owner string, status store.InstanceStatus) store.Instance {
	return store.Instance{
		Name: name, Provider: "digitalocean", Owner: owner, Channel: "C0DEV", Size: "s-2vcpu-4gb", Region: "fra1",
		IP: "203.0.113.7", PriceHourly: 0.036, Created: now.Add(-5 * time.Hour), LeaseExpiry: now.Add(3 * time.Hour),
		Status: status, Image: "ubuntu-24.04", CloudID: "4242",
	}
}

func view(in store.Instance) commands.InstanceView {
	v := commands.InstanceView{Instance: in, ProviderLabel: commands.Label(in.Provider), LeaseLeft: in.LeaseExpiry.Sub(now)}
	if in.Status.Live() {
		v.SpendToDate = in.PriceHourly * now.Sub(in.Created).Hours()
	}
	return v
}

func TestRenderReplies(t *testing.T) {
	many := make([]commands.InstanceView, 0, 400)
	for i := range 400 {
		many = append(many, view(instance(fmt.Sprintf("user%03d-a1b2", i), fmt.Sprintf("U%07d", i), store.InstanceReady)))
	}
	creating := instance("bob-9xk2", "U0BOB", store.InstanceCreating)
	creating.IP = ""
	tests := []struct {
		name  string
		cmd   grammar.Command
		reply commands.Reply
	}{
		{"list_mine", grammar.Command{Verb: grammar.VerbList}, commands.Reply{Instances: []commands.InstanceView{
			view(instance("alice-7f3a", "U0ALICE", store.InstanceReady)), view(creating)}}},
		{"list_all_many", grammar.Command{Verb: grammar.VerbList, All: true}, commands.Reply{Instances: many}},
		{"list_empty", grammar.Command{Verb: grammar.VerbList}, commands.Reply{Text: "You have no instances. Create one with `/spuff up`."}},
		{"status", grammar.Command{Verb: grammar.VerbStatus, Name: "alice-7f3a"}, commands.Reply{Instances: []commands.InstanceView{
			view(instance("alice-7f3a", "U0ALICE", store.InstanceReady))}}},
		{"extend", grammar.Command{Verb: grammar.VerbExtend, Name: "alice-7f3a"}, commands.Reply{
			Text: "`alice-7f3a` now runs until Mon 19:02 UTC.", Instances: []commands.InstanceView{view(instance("alice-7f3a", "U0ALICE", store.InstanceReady))}}},
		{"sizes", grammar.Command{Verb: grammar.VerbSizes}, commands.Reply{Sizes: &commands.SizesView{
			Provider: "demo", ProviderLabel: "Demo cloud", DefaultSize: "small", DefaultRegion: "demo-eu",
			Sizes: []providers.Size{
				{Slug: "small", VCPUs: 1, MemoryMB: 1024, DiskGB: 25, PriceHourly: 0.0074, Available: true},
				{Slug: "medium", VCPUs: 2, MemoryMB: 4096, DiskGB: 80, PriceHourly: 0.0298, Available: true},
				{Slug: "tiny", VCPUs: 1, MemoryMB: 512, PriceHourly: 0.004, Available: true},
			},
			Regions: []providers.Region{{Slug: "demo-eu", Name: "Demo Europe (Frankfurt)", Available: true},
				{Slug: "demo-us", Name: "Demo US East", Available: true}, {Slug: "demo-ap", Available: false}},
			Estimated: true,
		}}},
		{"keys", grammar.Command{Verb: grammar.VerbKey, Sub: "list"}, commands.Reply{Keys: []store.SSHKey{
			{Owner: "U0ALICE", Fingerprint: "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", Type: "ssh-ed25519",
				Comment: "alice@laptop <!channel>", Added: now.Add(-48 * time.Hour)},
		}}},
		{"snapshots", grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list"}, commands.Reply{
			Text: "Could not reach AWS EC2; their snapshots are missing below.",
			Snapshots: []commands.SnapshotView{
				{Snapshot: providers.Snapshot{ID: "snap-1", Name: "spuff-alice-7f3a-final", SizeGB: 2.41, Created: now.Add(-time.Hour)},
					Provider: "demo", MonthlyCost: 0.1446},
			}}},
		{"help", grammar.Command{Verb: grammar.VerbHelp}, commands.Reply{
			Text: "*spuffbot* makes dev VMs.\n\n`/spuff up [name] [--size s]` create one\n`/spuff down <name>` destroy one"}},
		{"snapshots_all", grammar.Command{Verb: grammar.VerbSnapshot, Sub: "list", All: true}, commands.Reply{
			Snapshots: []commands.SnapshotView{
				{Snapshot: providers.Snapshot{ID: "snap-1", Name: "box-secrets", SizeGB: 2.41, Created: now.Add(-time.Hour)},
					Provider: "demo", Owner: "U0ALICE", MonthlyCost: 0.1446},
				{Snapshot: providers.Snapshot{ID: "snap-2", Name: "old", Created: now.Add(-48 * time.Hour)}, Provider: "demo"},
			}}},
		{"audit", grammar.Command{Verb: grammar.VerbAudit, Count: 20}, commands.Reply{Audit: []store.AuditEvent{
			{Seq: 1, Time: now.Add(-time.Hour), Actor: "U0ALICE", Action: "up", Target: "alice-7f3a", Outcome: "accepted", OpID: "op1"},
			{Seq: 2, Time: now.Add(-30 * time.Minute), Actor: "spuffbot", Action: "expire", Target: "bob-9xk2", Outcome: "accepted"},
			{Seq: 3, Time: now, Actor: "U0ROOT", Action: "audit", Outcome: "failed: <!channel> & <https://evil.example|x>"},
		}}},
		{"key_added", grammar.Command{Verb: grammar.VerbKey, Sub: "add"}, commands.Reply{
			Text: "Added your ssh-ed25519 key SHA256:abc. New instances will accept it as `ssh dev@<ip>`.",
			Keys: []store.SSHKey{{Fingerprint: "SHA256:abc"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, "reply_"+tt.name, renderReply(tt.cmd, tt.reply, now))
		})
	}
}

func TestRenderListSummarisesWhatDoesNotFit(t *testing.T) {
	for _, n := range []int{1, 60, 500, 2000} {
		list := make([]commands.InstanceView, 0, n)
		for i := range n {
			list = append(list, view(instance(fmt.Sprintf("someone-with-a-long-name-%04d", i), "U0000000001", store.InstanceReady)))
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			m := renderList(list, true)
			checkLimits(t, m)
			raw, _ := json.Marshal(m)
			shown := bytes.Count(raw, []byte("someone-with-a-long-name-"))
			more := bytes.Contains(raw, []byte(fmt.Sprintf("and %d more", n-shown)))
			if shown < n && !more {
				t.Errorf("renderList(%d) shows %d and does not say \"and %d more\"", n, shown, n-shown)
			}
			if shown == 0 {
				t.Errorf("renderList(%d) shows no instance", n)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"usage", &commands.UsageError{Msg: "unknown size `hugee`", Hint: "try `huge`"}},
		{"usage_no_hint", &commands.UsageError{Msg: "`alice-7f3a` is already being destroyed"}},
		{"provider", &providers.Error{Provider: "hetzner", Op: "create", Kind: providers.ErrQuota, Message: "server limit reached", Hint: "ask Hetzner support"}},
		{"internal", errors.New("bolt: database not open")},
		{"usage_with_ids", &commands.UsageError{Msg: "`box` belongs to @U0ALICE", Hint: "ask @U0ROOT",
			MsgText:  commands.Textf("`%s` belongs to %s", "box <!here>", commands.UserID("U0ALICE")),
			HintText: commands.Textf("ask %s in %s", commands.UserID("U0ROOT"), commands.ChannelID("C0OPS"))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, "error_"+tt.name, renderError(tt.err, "ab12cd34"))
		})
	}
}

// TestRenderSyntaxError checks that a mistake in the command line is
// shown as a refusal is: the message, and the hint apart.
func TestRenderSyntaxError(t *testing.T) {
	for _, hint := range []string{"try `huge`", ""} {
		got := renderError(fmt.Errorf("parse: %w", &grammar.Error{Msg: "unknown size `hugee`", Hint: hint}), "ab12cd34")
		want := renderError(&commands.UsageError{Msg: "unknown size `hugee`", Hint: hint}, "ab12cd34")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("renderError(grammar.Error with hint %q) differs from a refusal (-want +got):\n%s", hint, diff)
		}
	}
}

// TestRenderAuditFitsSlack renders the most events audit shows, each
// with a long outcome: the newest are shown within Slack's limits and
// the rest are counted.
func TestRenderAuditFitsSlack(t *testing.T) {
	events := make([]store.AuditEvent, 200)
	for i := range events {
		events[i] = store.AuditEvent{Seq: uint64(i + 1), Time: now.Add(time.Duration(i) * time.Minute), Actor: "U0ALICE",
			Action: "up", Target: fmt.Sprintf("box-%03d", i), Outcome: "failed: " + strings.Repeat("<!channel> ", 40)}
	}
	m := renderAudit(events)
	checkLimits(t, m)
	raw, _ := json.Marshal(m)
	shown := bytes.Count(raw, []byte("box-"))
	if shown == 0 || shown == len(events) {
		t.Fatalf("audit of %d long events shows %d; want some, and not all", len(events), shown)
	}
	if !bytes.Contains(raw, []byte("box-199")) {
		t.Errorf("the newest event is not shown")
	}
	if want := fmt.Sprintf("and %d older not shown", len(events)-shown); !bytes.Contains(raw, []byte(want)) {
		t.Errorf("audit does not say %q", want)
	}
	if bytes.Contains(raw, []byte("<!channel>")) || bytes.Contains(raw, []byte(`\u003c!channel`)) {
		t.Errorf("an outcome went out unescaped")
	}
}
