package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// openModal types a bare /spuff up as user in general and returns the
// modal it opens once it shows want.
func (h *harness) openModal(user, want string) slacktest.View {
	h.t.Helper()
	ack := h.slash(user, general, "up")
	if got := ackText(ack); got != "" || ack.Err != "" {
		h.t.Fatalf("/spuff up acked with %q (err %q), want an empty ack", got, ack.Err)
	}
	return h.waitModal(user, want)
}

// waitModal waits until user's modal shows want.
func (h *harness) waitModal(user, want string) slacktest.View {
	h.t.Helper()
	var v slacktest.View
	err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		var ok bool
		v, ok = s.Modal(user)
		return ok && strings.Contains(v.PlainText(), want)
	})
	if err != nil {
		h.t.Fatalf("no modal showing %q for %s: %v; it shows %q", want, user, err, v.PlainText())
	}
	return v
}

// submit presses the modal's submit button and returns the ack.
func (h *harness) submit(sub slacktest.ViewSubmission) slacktest.Ack {
	h.t.Helper()
	id, err := h.slack.SendViewSubmission(h.ctx, sub)
	if err != nil {
		h.t.Fatal(err)
	}
	ack, err := h.slack.WaitAck(h.ctx, id)
	if err != nil {
		h.t.Fatal(err)
	}
	if ack.Err != "" {
		h.t.Errorf("Slack refused the submission's ack: %s", ack.Err)
	}
	return ack
}

// upValues are the modal's inputs filled in for the demo cloud.
func upValues(cloud, region, size, lease, name string) map[string]map[string]string {
	meta := upMeta{Cloud: cloud, Listed: true}
	return map[string]map[string]string{
		upCloudBlock:        {actionUpCloud: cloud},
		upRegionBlock(meta): {actionUpInput: region},
		upSizeBlock(meta):   {actionUpInput: size},
		upLeaseBlock:        {actionUpInput: lease},
		upNameBlock:         {actionUpInput: name},
	}
}

func TestBareUpOpensModal(t *testing.T) {
	h := newHarness(t)
	v := h.openModal(alice, "New dev VM")
	for _, want := range []string{"Demo cloud", "demo-eu", "small · 1 vCPU · 1 GB · $0.0074/h", "Lease", "Name", "Snapshot"} {
		if !strings.Contains(v.PlainText(), want) {
			t.Errorf("modal does not show %q:\n%s", want, v.PlainText())
		}
	}
	for _, want := range []string{"demo-us · Demo US East (New York)", "xlarge · 8 vCPU · 32 GB · $0.25/h · demo-eu only"} {
		if !strings.Contains(string(v.Blocks), want) {
			t.Errorf("modal does not offer %q:\n%s", want, v.Blocks)
		}
	}
	if v.CallbackID != upCallbackID {
		t.Errorf("modal callback_id = %q, want %q", v.CallbackID, upCallbackID)
	}
	if m := decodeUpMeta(v.PrivateMetadata); m.Channel != general || m.ResponseURL == "" {
		t.Errorf("modal private_metadata = %+v, want the channel and response_url of the command", m)
	}
	if got := len(h.slack.AllMessages(general)); got != 0 {
		t.Errorf("opening the modal posted %d messages:%s", got, h.dump(general))
	}
}

func TestModalSubmitShowsFieldErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name              string
		region, size, ttl string
		vmName, wantBlock string
		want              string
	}{
		{"unknown size", "demo-eu", "huge", "", "", upSizeBlock(upMeta{Cloud: "demo", Listed: true}), "no size \"huge\""},
		{"size not in region", "demo-us", "xlarge", "", "", upSizeBlock(upMeta{Cloud: "demo", Listed: true}), "not offered in demo-us"},
		{"unknown region", "mars-1", "small", "", "", upRegionBlock(upMeta{Cloud: "demo", Listed: true}), "no region \"mars-1\""},
		{"bad lease", "demo-eu", "small", "4x", "", upLeaseBlock, "not a duration"},
		{"zero lease", "demo-eu", "small", "0", "", upLeaseBlock, "longer than zero"},
		{"bad name", "demo-eu", "small", "", "My Box", upNameBlock, "Name \"My Box\""},
	}
	v := h.openModal(alice, "New dev VM") // errors keep it open for the next try
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ack := h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", tt.region, tt.size, tt.ttl, tt.vmName)})
			if ack.Decoded.ResponseAction != "errors" {
				t.Fatalf("ack response_action = %q, want errors", ack.Decoded.ResponseAction)
			}
			got, _ := h.slack.View(v.ID)
			if !got.Open {
				t.Errorf("the modal closed on a bad field")
			}
			if !strings.Contains(got.Errors[tt.wantBlock], tt.want) || len(got.Errors) != 1 {
				t.Errorf("errors = %q, want only %s saying %q", got.Errors, tt.wantBlock, tt.want)
			}
		})
	}
	if n := h.demo.Calls()["CreateInstance"]; n != 0 {
		t.Errorf("bad submissions created %d instances", n)
	}
	if got := len(h.slack.AllMessages(general)); got != 0 {
		t.Errorf("bad submissions posted %d messages:%s", got, h.dump(general))
	}
}

func TestModalSubmitStartsUp(t *testing.T) {
	h := newHarness(t)
	v := h.openModal(alice, "New dev VM")
	ack := h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", "demo-us", "medium", "2h", "modal-box")})
	if ack.Decoded.ResponseAction != "clear" || len(ack.Decoded.Errors) > 0 {
		t.Fatalf("ack = %s, want response_action clear", ack.Payload)
	}
	if got, _ := h.slack.View(v.ID); got.Open {
		t.Errorf("the modal is still open after a good submit")
	}
	root := h.waitMessage(general, "`modal-box`")
	ready := h.waitThread(general, root.TS, "ssh dev@")
	if ipv4.FindString(ready.PlainText()) == "" {
		t.Errorf("ready reply %q has no address", ready.PlainText())
	}
	h.waitRoot(general, root.TS, "is ready")
	in, err := h.db.GetInstance(h.ctx, "modal-box")
	if err != nil {
		t.Fatal(err)
	}
	if in.Owner != alice || in.Size != "medium" || in.Region != "demo-us" || in.ThreadTS != root.TS {
		t.Errorf("instance = %+v, want alice's medium in demo-us, in thread %s", in, root.TS)
	}
	if d := in.LeaseExpiry.Sub(in.Created); d < 2*time.Hour-time.Minute || d > 2*time.Hour+time.Minute {
		t.Errorf("lease = %v, want 2h", d)
	}
}

func TestModalSubmitRedeliveredStartsOneUp(t *testing.T) {
	h := newHarness(t)
	v := h.openModal(alice, "New dev VM")
	sub := slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", "demo-eu", "small", "", ""), EnvelopeID: "env-submit-1"}
	h.submit(sub)
	h.submit(sub) // the same envelope again
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool { return len(s.AcksFor("env-submit-1")) == 2 }); err != nil {
		t.Fatal(err)
	}
	sub.EnvelopeID = "env-submit-2"
	if ack := h.submit(sub); ack.Decoded.ResponseAction != "clear" {
		t.Errorf("a redelivered submission acked %s, want clear", ack.Payload)
	}
	root := h.waitMessage(general, "<@"+alice+">")
	h.waitThread(general, root.TS, "ssh dev@")
	h.svc.Wait()
	if n := h.demo.Calls()["CreateInstance"]; n != 1 {
		t.Errorf("CreateInstance called %d times, want 1", n)
	}
	if got := len(h.slack.Messages(general)); got != 1 {
		t.Errorf("%d root messages, want 1:%s", got, h.dump(general))
	}
}

func TestModalRefusalShowsNotice(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.svc.MaxInstancesPerUser = 1 })
	root := h.up(alice, "first-box")
	h.waitThread(general, root.TS, "ssh dev@")
	v := h.openModal(alice, "New dev VM")
	ack := h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", "demo-eu", "small", "", "second-box")})
	if ack.Decoded.ResponseAction != "update" {
		t.Fatalf("ack = %s, want response_action update", ack.Payload)
	}
	got := h.waitModal(alice, "limit is 1")
	if !strings.Contains(string(got.Blocks), `"initial_value":"second-box"`) {
		t.Errorf("the modal lost what was typed:\n%s", got.Blocks)
	}
	if n := h.demo.Calls()["CreateInstance"]; n != 1 {
		t.Errorf("CreateInstance called %d times, want 1", n)
	}
}

func TestModalNameTakenIsAFieldError(t *testing.T) {
	h := newHarness(t)
	root := h.up(alice, "taken-box")
	h.waitThread(general, root.TS, "ssh dev@")
	v := h.openModal(bob, "New dev VM")
	ack := h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", "demo-eu", "small", "", "taken-box")})
	if msg := ack.Decoded.Errors[upNameBlock]; !strings.Contains(msg, "has this name") {
		t.Errorf("errors = %q, want the name taken", ack.Decoded.Errors)
	}
}

// TestModalFillsInTheCatalog checks that a modal opened before the
// cloud's catalog is cached takes typed sizes at first, and lists the
// sizes with their prices once the catalog is loaded.
func TestModalFillsInTheCatalog(t *testing.T) {
	h := newHarness(t, func(s *setup) { s.noWarm = true })
	h.openModal(alice, "")
	v := h.waitModal(alice, "$0.0074/h")
	if v.Updates == 0 {
		t.Errorf("the modal was never updated; it was opened with the catalog")
	}
	if !strings.Contains(string(v.Blocks), `"`+upSizeBlock(upMeta{Cloud: "demo", Listed: true})+`"`) {
		t.Errorf("the updated modal has no size select:\n%s", v.Blocks)
	}
}

// TestModalCloudChoiceReloads checks that choosing another cloud shows
// that cloud's regions and sizes, and that the VM is made there.
func TestModalCloudChoiceReloads(t *testing.T) {
	other := demo.New(demo.Config{ReadyAfter: 5 * time.Millisecond, PollInterval: 5 * time.Millisecond})
	h := newHarness(t, func(s *setup) { s.clouds = map[string]providers.Provider{"hetzner": other} })
	v := h.openModal(alice, "New dev VM")
	if !strings.Contains(string(v.Blocks), "Hetzner Cloud") {
		t.Errorf("the cloud select does not offer Hetzner Cloud:\n%s", v.Blocks)
	}
	var cloud struct {
		DispatchAction bool `json:"dispatch_action"`
	}
	var blocks []json.RawMessage
	_ = json.Unmarshal(v.Blocks, &blocks)
	_ = json.Unmarshal(blocks[0], &cloud)
	if !cloud.DispatchAction {
		t.Errorf("the cloud select does not dispatch its choice: %s", blocks[0])
	}
	h.send(slacktest.BlockAction{User: alice, ViewID: v.ID, ActionID: actionUpCloud, Value: "hetzner"})
	hetzner := upMeta{Cloud: "hetzner", Listed: true}
	err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		got, _ := s.Modal(alice)
		return strings.Contains(string(got.Blocks), `"`+upSizeBlock(hetzner)+`"`)
	})
	if err != nil {
		t.Fatalf("the modal never showed Hetzner's sizes")
	}
	v, _ = h.slack.Modal(alice)
	h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("hetzner", "demo-eu", "large", "", "hz-box")})
	root := h.waitMessage(general, "`hz-box`")
	h.waitThread(general, root.TS, "ssh dev@")
	in, err := h.db.GetInstance(h.ctx, "hz-box")
	if err != nil || in.Provider != "hetzner" || in.Size != "large" || in.Status != store.InstanceReady {
		t.Errorf("instance = %+v, %v; want a ready large on hetzner", in, err)
	}
	if n := h.demo.Calls()["CreateInstance"]; n != 0 {
		t.Errorf("the demo cloud created %d instances, want none", n)
	}
}

// TestModalInPrivateChannelFallsBackToResponseURL checks that the
// command's response_url travels with the modal: where the bot cannot
// post, progress reaches the person through it.
func TestModalInPrivateChannelFallsBackToResponseURL(t *testing.T) {
	h := newHarness(t)
	h.slack.CreateChannel("G0SECRET", slacktest.Private(), slacktest.NotMember())
	id, err := h.slack.SendSlashCommand(h.ctx, slacktest.SlashCommand{ChannelID: "G0SECRET", Text: "up"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.slack.WaitAck(h.ctx, id); err != nil {
		t.Fatal(err)
	}
	v := h.waitModal(alice, "New dev VM")
	h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", "demo-eu", "small", "", "secret-box")})
	h.waitEphemeral("G0SECRET", alice, "/invite @spuffbot")
	h.waitEphemeral("G0SECRET", alice, "ssh dev@")
	for _, p := range h.slack.ResponseURLPosts(id) {
		if p.Err != "" {
			t.Errorf("response_url post refused: %s", p.Err)
		}
	}
}
