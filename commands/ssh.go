package commands

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/store"
)

// SSHProber reads the host key of a new VM's ssh server once it answers
// (see package sshprobe). It gives up with an error wrapping
// sshprobe.ErrNoAnswer after Wait.
type SSHProber interface {
	Probe(ctx context.Context, host string) (*sshprobe.HostKey, error)
	Port() int
	Wait() time.Duration
}

// Events of the ssh probe that follows EventReady. They are not part of
// the operation, which is done already: the IP is shown without waiting
// for them.
const (
	// EventSSHAnswering: the VM's ssh server answered; Event.SSH holds
	// its host key.
	EventSSHAnswering EventKind = "ssh-answering"
	// EventSSHSilent: no ssh server answered within the probe's wait.
	EventSSHSilent EventKind = "ssh-silent"
)

// SSHAnswer is what the ssh probe found, on the ssh events.
type SSHAnswer struct {
	// HostKey is the key the server proved it holds; nil on EventSSHSilent.
	HostKey *sshprobe.HostKey
	// After is how long after the IP was shown the server answered, or
	// how long the probe waited in vain.
	After time.Duration
	// Port is the port probed.
	Port int
}

// probeSSH probes the ssh port of in, an instance just shown ready, in
// the background, and emits EventSSHAnswering or EventSSHSilent. It does
// nothing without a Config.SSHProbe, and stops at Shutdown without a word.
func (s *Service) probeSSH(op *store.Operation, in *store.Instance) {
	prober := s.cfg.SSHProbe
	if prober == nil || in == nil || documentation(in.IP) {
		return
	}
	halt, ok := s.stop.enter(&s.wg)
	if !ok {
		return
	}
	opID, ip, start := op.ID, in.IP, s.cfg.Now()
	go func() {
		defer s.wg.Done()
		key, err := prober.Probe(halt, ip)
		if err != nil && !errors.Is(err, sshprobe.ErrNoAnswer) {
			if halt.Err() == nil {
				s.log.Warn("ssh probe", "op", opID, "err", err)
			}
			return
		}
		kind, answer := EventSSHAnswering, &SSHAnswer{HostKey: key, After: s.cfg.Now().Sub(start), Port: prober.Port()}
		if err != nil {
			kind, answer.After = EventSSHSilent, prober.Wait()
			s.log.Info("ssh did not answer", "op", opID, "wait", prober.Wait())
		}
		op, err := s.store.GetOperation(halt, opID)
		if err != nil {
			s.log.Error("ssh probe: read operation", "op", opID, "err", err)
			return
		}
		in, _ := s.store.GetInstance(halt, op.Instance)
		s.emit(halt, kind, op, in, func(ev *Event) { ev.SSH = answer })
	}()
}

// docNets are the address ranges reserved for documentation (RFC 5737):
// no real machine has them. The demo cloud and the emulators hand them
// out.
var docNets = []netip.Prefix{
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
}

// documentation reports whether ip is empty, not an address, or one no
// real machine has, so that probing it is pointless.
func documentation(ip string) bool {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return true
	}
	for _, n := range docNets {
		if n.Contains(a) {
			return true
		}
	}
	return false
}
