// Package sshprobetest runs a real SSH server (golang.org/x/crypto/ssh) on
// a loopback address, for tests that probe a VM's ssh port: an emulator
// hands out its address as the VM's IP.
package sshprobetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"net"
	"strconv"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"
)

// Server is an SSH server that completes the key exchange with anyone and
// lets no one in.
type Server struct {
	// Host is the address's host, "127.0.0.1".
	Host string
	// Port is the port it listens on.
	Port int
	// Key is its host key.
	Key ssh.PublicKey

	ln     net.Listener
	config *ssh.ServerConfig
	wg     sync.WaitGroup

	mu        sync.Mutex
	handshake int
}

// New starts a server on 127.0.0.1 and stops it when t ends.
func New(t testing.TB) *Server {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &ssh.ServerConfig{
		PasswordCallback: func(ssh.ConnMetadata, []byte) (*ssh.Permissions, error) {
			return nil, errors.New("no one gets in")
		},
	}
	cfg.AddHostKey(signer)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	s := &Server{Host: "127.0.0.1", Key: signer.PublicKey(), ln: ln, config: cfg}
	s.Port, _ = strconv.Atoi(port)
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.handshake++
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			// The key exchange runs before authentication: a prober that
			// hangs up after it ends this with an error.
			if conn, _, _, err := ssh.NewServerConn(c, s.config); err == nil {
				_ = conn.Close()
			}
		}()
	}
}

// Connections returns how many connections the server accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handshake
}

// Fingerprint returns the host key's SHA256 fingerprint.
func (s *Server) Fingerprint() string { return ssh.FingerprintSHA256(s.Key) }

// Close stops the server and waits for its connections to end.
func (s *Server) Close() {
	_ = s.ln.Close()
	s.wg.Wait()
}

// ClosedPort returns a loopback port where nothing listens.
func ClosedPort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	_ = ln.Close()
	n, _ := strconv.Atoi(port)
	return n
}
