package bot

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/store"
)

// FuzzRenderers feeds one arbitrary string into every field a person or
// a cloud controls (names, ids, owners, sizes, regions, labels, images,
// error texts, the Service's sentences) of every renderer's input, and
// checks that each rendering is valid Block Kit within Slack's limits
// and that no < or & in any mrkdwn text or fallback is left unescaped:
// the only markup is a mention of a well-formed id the bot meant to name.
// Names and ids, which the grammar and the clouds keep short, and which
// travel in block ids and button values, get the string's first 64 bytes.
func FuzzRenderers(f *testing.F) {
	for _, seed := range []string{
		"", "alice-7f3a", "U0MALLORY", "C0DEV", "<!channel>", "<!here>", "<@U0ALICE>", "<#C0DEV>",
		"<https://evil.example|click-to-fix>", "a & b", "&lt;!channel&gt;", "`<!everyone>`", "```", "*bold* _i_ ~s~",
		strings.Repeat("<@U1>", 700), strings.Repeat("é&", 2000), "\xff\xfe", "line\nbreak\ttab",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for name, m := range renderAll(s) {
			checkBlockKit(t, name, s, m)
		}
		raw, err := json.Marshal(renderHome(homeFor(s)))
		if err != nil {
			t.Fatalf("home: marshal: %v", err)
		}
		checkJSON(t, "home", s, raw, maxViewBlocks)
	})
}

// renderAll renders every message the bot sends with s in every field
// that comes from a person or a cloud.
func renderAll(s string) map[string]message {
	id := s[:min(len(s), 64)]
	in := store.Instance{Name: id, Provider: "digitalocean", Owner: s, Channel: s, Size: s, Region: s, IP: s,
		PriceHourly: 0.036, Created: now.Add(-time.Hour), LeaseExpiry: now.Add(time.Hour), Status: store.InstanceReady,
		Image: s, CloudID: id, OpID: id}
	snap := &providers.Snapshot{ID: id, Name: s, SizeGB: 1, Owner: s}
	approval := &store.Approval{OpID: id, State: store.ApprovalDenied, Requester: s, DecidedBy: s, DecidedAt: now, Expires: now}
	orphan := &commands.Orphan{Provider: "digitalocean", Age: time.Hour, PriceHourly: 0.01,
		Instance: providers.Instance{ID: id, Name: id, Size: s, Region: s, IP: s,
			Labels: map[string]string{providers.LabelOwner: s, providers.LabelManagedBy: "spuff"}}}
	out := map[string]message{}
	kinds := []commands.EventKind{commands.EventAccepted, commands.EventAwaitingApproval, commands.EventApproved,
		commands.EventDenied, commands.EventApprovalExpired, commands.EventCreating, commands.EventCreated,
		commands.EventReady, commands.EventSnapshotting, commands.EventSnapshotCreated, commands.EventSnapshotDeleted,
		commands.EventDestroying, commands.EventDestroyed, commands.EventFailed, commands.EventLeaseWarning,
		commands.EventExtended, commands.EventExpired, commands.EventDestroyedOutside, commands.EventOrphan,
		commands.EventOrphanAdopted, commands.EventOrphanDestroyed, commands.EventApprovalRefused,
		commands.EventRetrying, commands.EventBootTimeout, commands.EventSSHAnswering, commands.EventSSHSilent,
		commands.EventIdleWarning, commands.EventIdleCancelled, commands.EventIdleKept, commands.EventIdleDestroyed}
	opKinds := []store.OpKind{store.OpUp, store.OpDown, store.OpSnapshotCreate, store.OpSnapshotDelete, store.OpKind(s)}
	for _, ok := range opKinds {
		op := store.Operation{ID: id, Kind: ok, State: store.OpFailed, Owner: s, Channel: s, Provider: "digitalocean",
			Instance: s, CloudID: s, SnapshotID: s, Error: s}
		for _, k := range kinds {
			inst := in
			ev := commands.Event{Kind: k, Op: op, Instance: &inst, Snapshot: snap, Actor: commands.UserID(s),
				ProviderLabel: s, Approval: approval, Detail: s, Ref: s, Estimated: true, Address: s}
			if k == commands.EventOrphan || k == commands.EventOrphanAdopted || k == commands.EventOrphanDestroyed {
				ev.Orphan = orphan
				out[fmt.Sprintf("orphan line %s", k)] = renderOrphanLine(ev, orphan)
				out[fmt.Sprintf("orphan card %s", k)] = renderOrphanCard(orphanViewOf(ev, now))
			}
			if m, ok := renderRoot(ev); ok {
				out[fmt.Sprintf("root %s %s", op.Kind, k)] = m
			}
			if m, ok := renderProgress(ev, esc(s), now); ok {
				out[fmt.Sprintf("progress %s %s", op.Kind, k)] = m
			}
			if m, ok := renderTeamLine(ev); ok {
				out[fmt.Sprintf("team %s %s", op.Kind, k)] = m
			}
			if m, ok := renderOwnerNotice(ev, now); ok {
				out[fmt.Sprintf("owner notice %s", k)] = m
			}
			ev.SSH = &commands.SSHAnswer{HostKey: &sshprobe.HostKey{Type: s, Fingerprint: s, KnownHosts: s}, After: time.Minute, Port: 22}
			if m, ok := renderSSH(ev); ok {
				out[fmt.Sprintf("ssh %s", k)] = m
			}
			if m, ok := renderIdleThread(ev); ok {
				out[fmt.Sprintf("idle thread %s", k)] = m
			}
		}
		out["requested "+string(ok)] = renderRequested(op)
		out["lease duplicate "+string(ok)] = renderLeaseDuplicate(id, commands.Reply{Text: s, Op: &op})
	}
	adopted := commands.Event{Kind: commands.EventOrphanAdopted, Instance: &in, Actor: commands.UserID(s), ProviderLabel: s}
	out["adopted notice"] = renderAdoptedNotice(adopted)

	c := card{OpID: id, Requester: s, Name: id, Size: s, Region: s, Cloud: s, Channel: s, Price: 1, Expires: now,
		Refusal: commands.Textf("%s: %s", commands.UserID(s), s)}
	out["card pending"] = renderCard(c)
	for _, st := range []store.ApprovalState{store.ApprovalApproved, store.ApprovalDenied, store.ApprovalExpired, store.ApprovalState(s)} {
		c.State, c.DecidedBy, c.DecidedAt = st, s, now
		out["card "+string(st)] = renderCard(c)
		a := *approval
		a.State = st
		out["already decided "+string(st)] = renderAlreadyDecided(a)
		out["card from blocks "+string(st)] = decidedFromBlocks(renderCard(c).Blocks, a)
	}

	in.Idle.Evidence = store.IdleFigures{CPUPercent: 0.3, NetBps: 400, WindowSec: 3600}
	out["idle team line"] = renderIdleTeamLine(commands.Event{Kind: commands.EventIdleDestroyed, Instance: &in, ProviderLabel: s}, 1)
	iv := idleViewOf(in, s, true)
	iv.Deadline = now.Add(30 * time.Minute)
	out["idle card"] = renderIdleCard(iv, now)
	for _, k := range []idleOutcomeKind{idleKept, idleCancelled, idleDestroyRequested, idleSnapshotRequested,
		idleDestroyed, idleGone, idleOutcomeKind(s)} {
		iv.Outcome = idleOutcome{Kind: k, By: s, At: now, Until: now, Saved: 1, Detail: s}
		out["idle card "+string(k)] = renderIdleCard(iv, now)
		out["idle from blocks "+string(k)] = idleFromBlocks(renderIdleCard(iv, now).Blocks, id, iv.Outcome)
	}

	lv := leaseViewOf(in, s, true, 2*time.Hour)
	out["lease card"] = renderLeaseCard(lv, now)
	for _, k := range []leaseOutcomeKind{leaseExtended, leaseDestroyRequested, leaseSnapshotRequested, leaseDestroyed,
		leaseExpired, leaseOutside, leaseDestroyFailed, leaseOutcomeKind(s)} {
		lv.Outcome = leaseOutcome{Kind: k, By: s, At: now, Until: now, Detail: s}
		out["lease card "+string(k)] = renderLeaseCard(lv, now)
		out["lease from blocks "+string(k)] = leaseFromBlocks(renderLeaseCard(lv, now).Blocks, id, lv.Outcome)
	}

	v := commands.InstanceView{Instance: in, ProviderLabel: s, LeaseLeft: time.Hour, SpendToDate: 1}
	replies := map[string]commands.Reply{
		"text":      {Text: s},
		"list":      {Instances: []commands.InstanceView{v, v}},
		"status":    {Text: s, Instances: []commands.InstanceView{v}},
		"sizes":     {Sizes: &commands.SizesView{Provider: s, ProviderLabel: s, DefaultSize: s, DefaultRegion: s, Estimated: true, Sizes: []providers.Size{{Slug: s, VCPUs: 1, MemoryMB: 512}}, Regions: []providers.Region{{Slug: s, Name: s, Available: true}}}},
		"keys":      {Keys: []store.SSHKey{{Owner: s, Fingerprint: s, Type: s, Comment: s, Added: now}}},
		"snapshots": {Text: s, Snapshots: []commands.SnapshotView{{Snapshot: *snap, Provider: s, Owner: commands.UserID(s)}}},
		"audit":     {Audit: []store.AuditEvent{{Time: now, Actor: s, Action: s, Target: s, Outcome: s, OpID: s}}},
	}
	for name, r := range replies {
		for _, cmd := range []grammar.Command{{Verb: grammar.VerbList, All: true}, {Verb: grammar.VerbKey, Sub: "list"}, {Verb: grammar.VerbHelp}, {Verb: grammar.VerbAudit}} {
			out[fmt.Sprintf("reply %s %s", name, cmd.Verb)] = renderReply(cmd, r, now)
		}
	}
	out["error usage"] = renderError(&commands.UsageError{Msg: s, Hint: s}, s)
	out["error usage ids"] = renderError(&commands.UsageError{Msg: s, Hint: s,
		MsgText: commands.Textf("%s owns %s", commands.UserID(s), s), HintText: commands.Textf("in %s", commands.ChannelID(s))}, s)
	out["error provider"] = renderError(&providers.Error{Provider: s, Kind: providers.ErrInvalid, Message: s, Hint: s}, s)
	out["error other"] = renderError(fmt.Errorf("%s", s), s)
	out["up notice"] = upNotice(esc(s))
	out["no channel"] = renderNoChannel(textMessage(esc(s)))
	return out
}

func homeFor(s string) homeData {
	id := s[:min(len(s), 64)]
	in := instance(id, s, store.InstanceReady)
	v := commands.InstanceView{Instance: in, ProviderLabel: s}
	return homeData{Mine: []commands.InstanceView{v}, Admin: true, Team: []commands.InstanceView{v, v},
		Pending: []homeApproval{{OpID: id, Requester: s, Name: id, Size: s, Region: s, Cloud: s, Price: 1, Expires: now}},
		Notice:  esc(s), Now: now}
}

// checkBlockKit checks one message: valid Block Kit within Slack's
// limits, every mrkdwn text and the fallback safe.
func checkBlockKit(t *testing.T, name, s string, m message) {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatalf("%s: marshal: %v", name, err)
	}
	checkJSON(t, name, s, raw, maxBlocks)
	checkMrkdwn(t, name+" fallback", s, string(m.Text))
}

// checkJSON checks a rendered message or view as JSON.
func checkJSON(t *testing.T, name, s string, raw []byte, maxBlocks int) {
	t.Helper()
	var top struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		t.Fatalf("%s: not Block Kit: %v\n%s", name, err, raw)
	}
	if n := len(top.Blocks.BlockSet); n > maxBlocks {
		t.Errorf("%s: %d blocks, Slack takes at most %d", name, n, maxBlocks)
	}
	var tree any
	if err := json.Unmarshal(raw, &tree); err != nil {
		t.Fatal(err)
	}
	walk(tree, "", func(obj map[string]any, parent string) {
		text, _ := obj["text"].(string)
		switch obj["type"] {
		case "mrkdwn":
			checkMrkdwn(t, name, s, text)
			if n := utf8.RuneCountInString(text); n > maxSectionText {
				t.Errorf("%s: mrkdwn text of %d characters", name, n)
			}
		case "plain_text":
			if n := utf8.RuneCountInString(text); n > maxSectionText || text == "" {
				t.Errorf("%s: plain_text of %d characters", name, n)
			}
		case "header":
			if tx, ok := obj["text"].(map[string]any); ok {
				if n := utf8.RuneCountInString(tx["text"].(string)); n > 150 {
					t.Errorf("%s: header of %d characters", name, n)
				}
			}
		case "section":
			if f, ok := obj["fields"].([]any); ok && len(f) > 10 {
				t.Errorf("%s: %d fields", name, len(f))
			}
		case "context":
			if e, ok := obj["elements"].([]any); ok && (len(e) > maxContextElem || len(e) == 0) {
				t.Errorf("%s: context of %d elements", name, len(e))
			}
		case "button":
			if v, _ := obj["value"].(string); len(v) > 2000 {
				t.Errorf("%s: button value of %d bytes", name, len(v))
			}
		}
		if id, ok := obj["block_id"].(string); ok && len(id) > 255 {
			t.Errorf("%s: block_id of %d bytes", name, len(id))
		}
	})
}

func walk(v any, parent string, fn func(map[string]any, string)) {
	switch x := v.(type) {
	case map[string]any:
		fn(x, parent)
		for k, c := range x {
			walk(c, k, fn)
		}
	case []any:
		for _, c := range x {
			walk(c, parent, fn)
		}
	}
}

// mention matches the markup the bot may write: a mention of a user or
// a channel by a well-formed id.
var mention = regexp.MustCompile(`^<(@[UW]|#[CGD])[A-Z0-9]{2,20}>`)

// checkMrkdwn fails when text holds a < that does not open a mention of
// an id the renderer was given (s, or a constant of the fixtures), or an
// & that does not open one of the three entities.
func checkMrkdwn(t *testing.T, name, s, text string) {
	t.Helper()
	for i := 0; i < len(text); i++ {
		switch text[i] {
		case '<':
			if m := mention.FindString(text[i:]); m == "" || !knownID(m, s) {
				t.Fatalf("%s: unescaped < at %d in %.300q (input %.100q)", name, i, text[max(0, i-40):], s)
			}
		case '&':
			rest := text[i:]
			if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
				t.Fatalf("%s: unescaped & at %d in %.300q (input %.100q)", name, i, text[max(0, i-40):], s)
			}
		}
	}
}

// knownID reports whether the mention m names s itself (an id field of
// the input) or one of the fixtures' ids.
func knownID(m, s string) bool {
	id := m[2 : len(m)-1]
	return id == s || id == "U0BOB" || id == "U0ALICE"
}
