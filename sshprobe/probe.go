// Package sshprobe tells when a new VM's ssh server answers, and with
// which host key: it completes the SSH key exchange without
// authenticating, keeps the key the server proved it holds, and hangs up.
// A person can then check the key on first connect instead of trusting it
// blind.
package sshprobe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Defaults of Config.
const (
	DefaultPort     = 22
	DefaultWait     = 5 * time.Minute
	DefaultInterval = 2 * time.Second
	// attemptTimeout bounds one connection and key exchange.
	attemptTimeout = 10 * time.Second
)

// Config configures a Prober. Zero values are the defaults.
type Config struct {
	// Port is the ssh port probed. Zero: 22.
	Port int
	// Wait is how long Probe keeps trying. Zero: 5m.
	Wait time.Duration
	// Interval is the pause between attempts. Zero: 2s.
	Interval time.Duration
}

// HostKey is the host key an ssh server proved it holds.
type HostKey struct {
	// Type is the key's algorithm, such as "ssh-ed25519".
	Type string
	// Fingerprint is the SHA256 fingerprint as ssh-keygen -l prints it:
	// "SHA256:" and unpadded base64.
	Fingerprint string
	// KnownHosts is the line for ~/.ssh/known_hosts naming the address
	// probed ("[host]:port" when the port is not 22).
	KnownHosts string
}

// ErrNoAnswer is returned (wrapped) when no ssh server answered within
// Config.Wait.
var ErrNoAnswer = errors.New("no ssh answer")

// Prober probes ssh servers. It is safe for concurrent use.
type Prober struct {
	port     int
	wait     time.Duration
	interval time.Duration
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
}

// New returns a Prober. It does no network I/O.
func New(cfg Config) *Prober {
	p := &Prober{port: cfg.Port, wait: cfg.Wait, interval: cfg.Interval, dial: (&net.Dialer{}).DialContext}
	if p.port <= 0 {
		p.port = DefaultPort
	}
	if p.wait <= 0 {
		p.wait = DefaultWait
	}
	if p.interval <= 0 {
		p.interval = DefaultInterval
	}
	return p
}

// Port returns the port probed.
func (p *Prober) Port() int { return p.port }

// Wait returns how long Probe keeps trying.
func (p *Prober) Wait() time.Duration { return p.wait }

// Probe tries host's ssh port until a server completes the key exchange,
// and returns its host key. It gives up with an ErrNoAnswer error after
// the configured wait, or with ctx's error when ctx ends first.
func (p *Prober) Probe(ctx context.Context, host string) (*HostKey, error) {
	ctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	addr := net.JoinHostPort(host, strconv.Itoa(p.port))
	var last error
	for {
		key, err := p.attempt(ctx, addr)
		if err == nil {
			return key, nil
		}
		last = err
		t := time.NewTimer(p.interval)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("sshprobe: %s after %s: %w (last: %v)", addr, p.wait, ErrNoAnswer, last)
			}
			return nil, fmt.Errorf("sshprobe: %s: %w", addr, ctx.Err())
		}
	}
}

// errGotKey ends the handshake once the host key is known: nothing is
// authenticated.
var errGotKey = errors.New("host key read")

// attempt connects once, runs the key exchange and returns the host key.
func (p *Prober) attempt(ctx context.Context, addr string) (*HostKey, error) {
	ctx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	conn, err := p.dial(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	var key ssh.PublicKey
	cfg := &ssh.ClientConfig{
		User: "spuffbot-probe",
		HostKeyCallback: func(_ string, _ net.Addr, k ssh.PublicKey) error {
			key = k
			return errGotKey
		},
		Timeout: attemptTimeout,
	}
	_, _, _, err = ssh.NewClientConn(conn, addr, cfg)
	if key == nil {
		if err == nil {
			err = errors.New("no host key")
		}
		return nil, fmt.Errorf("ssh handshake: %w", err)
	}
	return &HostKey{
		Type:        key.Type(),
		Fingerprint: ssh.FingerprintSHA256(key),
		KnownHosts:  knownhosts.Line([]string{knownhosts.Normalize(addr)}, key),
	}, nil
}
