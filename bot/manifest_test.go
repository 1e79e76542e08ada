package bot

import (
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/store"
)

// manifest is the part of the Slack app manifest the bot relies on.
type manifest struct {
	Features struct {
		AppHome struct {
			HomeTabEnabled     bool `yaml:"home_tab_enabled"`
			MessagesTabEnabled bool `yaml:"messages_tab_enabled"`
		} `yaml:"app_home"`
		SlashCommands []struct {
			Command     string `yaml:"command"`
			Description string `yaml:"description"`
			UsageHint   string `yaml:"usage_hint"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `yaml:"is_enabled"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

func readManifest(t *testing.T) manifest {
	t.Helper()
	raw, err := os.ReadFile("../manifest.yml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest.yml: %v", err)
	}
	return m
}

func TestManifest(t *testing.T) {
	m := readManifest(t)
	if !m.Settings.SocketModeEnabled {
		t.Error("manifest: socket_mode_enabled is not true")
	}
	if !m.Settings.Interactivity.IsEnabled {
		t.Error("manifest: interactivity is off; Approve and Deny would not work")
	}
	if len(m.Features.SlashCommands) != 1 || m.Features.SlashCommands[0].Command != "/spuff" {
		t.Fatalf("manifest: slash commands = %+v, want only /spuff", m.Features.SlashCommands)
	}
	if c := m.Features.SlashCommands[0]; c.Description == "" || !strings.Contains(c.UsageHint, "up") {
		t.Errorf("manifest: /spuff has description %q and usage hint %q, want both", c.Description, c.UsageHint)
	}
	if !m.Features.AppHome.HomeTabEnabled {
		t.Error("manifest: home_tab_enabled is not true; the Home tab would not show")
	}
	if !m.Features.AppHome.MessagesTabEnabled {
		t.Error("manifest: messages_tab_enabled is not true; DMs from the bot would have no place")
	}
	// The events the bot handles (see onEvent), and no others.
	if got, want := m.Settings.EventSubscriptions.BotEvents, []string{"app_home_opened"}; !slices.Equal(got, want) {
		t.Errorf("manifest: bot_events = %q, want %q", got, want)
	}
}

// methodScopes maps the Web API methods the bot calls to the bot scope
// each needs; historyScope those whose scope depends on the conversation.
var methodScopes = map[string]string{
	"chat.postMessage":      "chat:write",
	"chat.update":           "chat:write",
	"chat.postEphemeral":    "chat:write",
	"conversations.open":    "im:write",
	"conversations.history": "history",
	"conversations.replies": "history",
	"views.open":            "", // no scope
	"views.update":          "",
	"views.publish":         "",
}

// historyScope is the scope reading the history of channel needs: the
// bot's DMs start with D, the tests' private channels with G.
func historyScope(channel string) string {
	switch {
	case strings.HasPrefix(channel, "D"):
		return "im:history"
	case strings.HasPrefix(channel, "G"):
		return "groups:history"
	}
	return "channels:history"
}

// TestManifestScopesMatchCalls runs the flows that call the most methods
// and checks that the manifest asks for the scopes they need, and for no
// scope nothing needs.
func TestManifestScopesMatchCalls(t *testing.T) {
	scopes := readManifest(t).OAuthConfig.Scopes.Bot
	h := newHarness(t, needApproval(bob))
	root := h.up(alice, "")
	card := h.waitMessage(h.slack.DMChannel(bob), "Approval needed")
	h.click(alice, h.slack.DMChannel(bob), card.TS, actionApprove) // refused: an ephemeral reply
	h.waitEphemeral(h.slack.DMChannel(bob), alice, "only approvers")
	h.click(bob, h.slack.DMChannel(bob), card.TS, actionApprove)
	h.waitThread(general, root.TS, "ssh dev@")
	// The modal and the Home tab.
	v := h.openModal(alice, "New dev VM")
	h.submit(slacktest.ViewSubmission{ViewID: v.ID, Values: upValues("demo", "demo-eu", "huge", "", "")})
	h.openHome(alice, instanceName(t, root))
	// After a restart: a root message looked for wherever /spuff can be
	// typed (a public channel, a private one, the bot's DM), and a final
	// reply in a thread.
	h.slack.CreateChannel(private, slacktest.Private())
	for _, ch := range []string{general, private, h.slack.DMChannel(alice)} {
		h.svc.Start(h.ctx, h.acceptBeforeStart(ch, "resumed-"+strings.ToLower(ch)).ID)
	}
	opID := h.opOf(instanceName(t, root))
	h.waitReported(opID)
	if _, err := h.db.UpdateOperation(h.ctx, opID, func(op *store.Operation) error { op.Reported = false; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.Resume(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.waitReported(opID)
	if err := h.slack.WaitFor(h.ctx, func(s *slacktest.Server) bool {
		return len(s.CallLog("conversations.history")) >= 3 && len(s.CallLog("conversations.replies")) >= 1
	}); err != nil {
		t.Fatal(err)
	}

	needed := map[string]bool{"commands": true, "chat:write.public": true} // /spuff; posting where not invited
	for _, c := range h.slack.CallLog("") {
		if c.Method == "apps.connections.open" {
			continue // the app-level token's connections:write
		}
		scope, ok := methodScopes[c.Method]
		if !ok {
			t.Errorf("the bot calls %s; add its scope to methodScopes and manifest.yml", c.Method)
			continue
		}
		if scope == "history" {
			scope = historyScope(c.Params.Get("channel"))
		}
		if scope == "" {
			continue
		}
		needed[scope] = true
		if !slices.Contains(scopes, scope) {
			t.Errorf("the bot calls %s, which needs %s; manifest.yml lacks it", c.Method, scope)
		}
	}
	for _, s := range scopes {
		if !needed[s] {
			t.Errorf("manifest.yml asks for %s, which nothing uses", s)
		}
	}
}
