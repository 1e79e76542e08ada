package console

import (
	"fmt"
	"time"

	"github.com/spuffbot/spuffbot/commands"
)

// sshLine is the line for the ssh probe's events, if ev is one.
func sshLine(ev commands.Event) (string, bool) {
	if ev.SSH == nil {
		return "", false
	}
	ip := ""
	if ev.Instance != nil {
		ip = ev.Instance.IP
	}
	switch ev.Kind {
	case commands.EventSSHAnswering:
		if k := ev.SSH.HostKey; k != nil {
			return fmt.Sprintf("ssh is answering (%s after the IP); host key %s %s\n  known_hosts: %s",
				ev.SSH.After.Round(time.Second), k.Type, k.Fingerprint, k.KnownHosts), true
		}
	case commands.EventSSHSilent:
		return fmt.Sprintf("ssh is not answering on %s port %d after %s: try again in a few minutes; check the firewall and the VM's console",
			ip, ev.SSH.Port, ev.SSH.After.Round(time.Second)), true
	}
	return "", false
}
