package config

import "time"

// SSH is how the bot checks that a new VM's ssh server answers.
type SSH struct {
	// Port is the port probed on a new VM once it has an IP. Default 22.
	Port int
	// Wait is how long the probe keeps trying before the thread says ssh
	// does not answer. Default 5m; 0: no probe.
	Wait time.Duration
}

// ssh checks the ssh section.
func (v *validator) ssh() {
	s := v.c.SSH
	if s.Port < 1 || s.Port > 65535 {
		v.add("ssh.port", "%d is not a port (1 to 65535; example: 22)", s.Port)
	}
	if s.Wait < 0 {
		v.add("ssh.wait", "%s must not be negative (0: no probe; example: 5m)", fmtDuration(s.Wait))
	}
}
