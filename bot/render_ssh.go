package bot

import (
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/spuffbot/spuffbot/commands"
)

// renderSSH is the thread reply for the ssh probe's events, if ev is one:
// the host key's fingerprint and a known_hosts line when ssh answers, what
// to try when it does not.
func renderSSH(ev commands.Event) (message, bool) {
	if ev.SSH == nil || (ev.Kind != commands.EventSSHAnswering && ev.Kind != commands.EventSSHSilent) {
		return message{}, false
	}
	ip, name := "", ev.Op.Instance
	if ev.Instance != nil {
		ip = ev.Instance.IP
	}
	if ev.Kind == commands.EventSSHSilent || ev.SSH.HostKey == nil {
		line := mdf(":warning: ssh is not answering on %s after %s.", code(ip), seconds(ev.SSH.After))
		return message{
			Text: plain(line),
			Blocks: []slack.Block{
				section(line),
				contextBlock(
					mdf("The VM may still be setting up (cloud-init takes longer on big images): try %s again in a few minutes.", code("ssh dev@"+ip)),
					mdf("Still nothing? Check that a firewall or security group lets port %d in from where you are, and look at the VM's console in the cloud's dashboard. %s shows what the cloud says.", ev.SSH.Port, code("/spuff status "+name)),
				),
			},
		}, true
	}
	key := ev.SSH.HostKey
	line := mdf(":key: ssh is answering (%s after the IP). Host key %s (%s).", seconds(ev.SSH.After), code(key.Fingerprint), key.Type)
	return message{
		Text: plain(line),
		Blocks: []slack.Block{
			section(line),
			section("To have ssh check it on your first connection instead of asking you to trust it, add this line to `~/.ssh/known_hosts`:\n" + codeBlock(key.KnownHosts)),
		},
	}, true
}

// seconds writes d as "23 s" under a minute and as human does above.
func seconds(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int(d.Round(time.Second)/time.Second))
	}
	return human(d)
}
