package commands

import (
	"slices"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/sshprobe"
	"github.com/spuffbot/spuffbot/sshprobe/sshprobetest"
	"github.com/spuffbot/spuffbot/store"
)

// TestSSHProbeAfterReady runs an up against the DigitalOcean emulator,
// which hands out 127.0.0.1 as the droplet's IP, with a real SSH server
// listening there (or nothing): after EventReady, which does not wait for
// it, the Service reports the server's host key, or that it never
// answered.
func TestSSHProbeAfterReady(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		listen bool
		want   EventKind
	}{
		{"answers", true, EventSSHAnswering},
		{"silent", false, EventSSHSilent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			emu := providertest.NewDigitalOcean()
			t.Cleanup(emu.Close)
			emu.SetReadyAfter(10 * time.Millisecond)
			emu.SetPublicIP("127.0.0.1")
			do, err := digitalocean.New(digitalocean.Config{Token: secret.New("t"), BaseURL: emu.URL,
				PollInterval: 5 * time.Millisecond, RetryBackoff: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			var srv *sshprobetest.Server
			port := sshprobetest.ClosedPort(t)
			if tt.listen {
				srv = sshprobetest.New(t)
				port = srv.Port
			}
			prober := sshprobe.New(sshprobe.Config{Port: port, Wait: 500 * time.Millisecond, Interval: 20 * time.Millisecond})
			e := newEnv(t, func(o *envOptions) {
				o.extra = map[string]providers.Provider{"digitalocean": do}
				o.cfg.DefaultProvider = "digitalocean"
				o.cfg.SSHProbe = prober
			})
			op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box", Provider: "digitalocean"})
			if op.State != store.OpDone {
				t.Fatalf("up: %s %s", op.State, op.Error)
			}
			e.svc.Wait() // the probe runs in the background
			kinds := e.rec.kinds(op.ID)
			ready := slices.Index(kinds, EventReady)
			if ready < 0 || !slices.Equal(kinds[ready+1:], []EventKind{tt.want}) {
				t.Fatalf("events = %v, want %s after %s", kinds, tt.want, EventReady)
			}
			ev := e.rec.last(t, op.ID, tt.want)
			if ev.SSH == nil || ev.Instance == nil || ev.Instance.IP != "127.0.0.1" || ev.Op.State != store.OpDone {
				t.Fatalf("%s event = %+v, want the SSH answer, the instance at 127.0.0.1 and the done operation", tt.want, ev)
			}
			switch {
			case tt.listen && (ev.SSH.HostKey == nil || ev.SSH.HostKey.Fingerprint != srv.Fingerprint()):
				t.Errorf("host key = %+v, want fingerprint %s", ev.SSH.HostKey, srv.Fingerprint())
			case !tt.listen && (ev.SSH.HostKey != nil || ev.SSH.After != prober.Wait()):
				t.Errorf("silent answer = %+v, want no key after %s", ev.SSH, prober.Wait())
			}
		})
	}
}

// TestSSHProbeSkipsDocumentationAddresses: the demo cloud's addresses
// (TEST-NET-3) belong to no machine, so nothing is probed and no ssh
// event follows EventReady.
func TestSSHProbeSkipsDocumentationAddresses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) {
		c.SSHProbe = sshprobe.New(sshprobe.Config{Port: sshprobetest.ClosedPort(t), Wait: time.Hour})
	}))
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	e.svc.Wait() // returns at once: no probe runs
	if kinds := e.rec.kinds(op.ID); kinds[len(kinds)-1] != EventReady {
		t.Errorf("events = %v, want %s last", kinds, EventReady)
	}
}
