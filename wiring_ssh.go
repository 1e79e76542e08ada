package main

import (
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/config"
	"github.com/spuffbot/spuffbot/sshprobe"
)

// sshProber returns the probe of new VMs' ssh servers that cfg asks for,
// or nil (no probe) when its wait is 0.
func sshProber(cfg config.SSH) commands.SSHProber {
	if cfg.Wait <= 0 {
		return nil
	}
	return sshprobe.New(sshprobe.Config{Port: cfg.Port, Wait: cfg.Wait})
}
