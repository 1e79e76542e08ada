package commands

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

// authorizedKey returns the authorized_keys line of a new key made by gen.
func authorizedKey(t *testing.T, gen func() (crypto.PublicKey, error), comment string) (line, fingerprint string) {
	t.Helper()
	pub, err := gen()
	if err != nil {
		t.Fatalf("generate key: %v", err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatalf("ssh.NewPublicKey: %v", err)
	}
	line = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sp)))
	if comment != "" {
		line += " " + comment
	}
	return line, ssh.FingerprintSHA256(sp)
}

func genEd25519() (crypto.PublicKey, error) {
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	return pub, err
}

func genRSA() (crypto.PublicKey, error) {
	k, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a throwaway key for a test
	if err != nil {
		return nil, err
	}
	return &k.PublicKey, nil
}

func genECDSA() (crypto.PublicKey, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &k.PublicKey, nil
}

func TestParsePublicKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, typ string
		gen       func() (crypto.PublicKey, error)
		comment   string
	}{
		{"ed25519", ssh.KeyAlgoED25519, genEd25519, "alice@laptop"},
		{"rsa", ssh.KeyAlgoRSA, genRSA, ""},
		{"ecdsa", ssh.KeyAlgoECDSA256, genECDSA, "work key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			line, fp := authorizedKey(t, tt.gen, tt.comment)
			k, err := ParsePublicKey("  " + line + "\n")
			if err != nil {
				t.Fatalf("ParsePublicKey(%q) = %v", line, err)
			}
			want := store.SSHKey{Fingerprint: fp, Type: tt.typ, Comment: tt.comment, PublicKey: line}
			if k != want {
				t.Errorf("ParsePublicKey(%q) = %+v, want %+v", line, k, want)
			}
		})
	}

	edLine, _ := authorizedKey(t, genEd25519, "")
	refusals := []struct {
		name, text, msg, hint string
	}{
		{"empty", "", "not an SSH public key", "id_ed25519.pub"},
		{"garbage", "hello there", "not an SSH public key", "id_ed25519.pub"},
		{"truncated", edLine[:30], "not an SSH public key", ""},
		{"bad base64", "ssh-ed25519 AAAA!!!! me@x", "not an SSH public key", ""},
		{"openssh private key", "-----BEGIN OPENSSH PRIVATE KEY----- b3BlbnNzaC1rZXktdjEAAAAA -----END OPENSSH PRIVATE KEY-----",
			"PRIVATE key", "generate a new key pair"},
		{"pem private key", string(rsaPrivatePEM(t)), "treat it as leaked", "`.pub`"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := ParsePublicKey(tt.text)
			ue := asUsage(t, err)
			wantContains(t, "Msg", ue.Msg, tt.msg)
			wantContains(t, "Hint", ue.Hint, tt.hint)
			if k != (store.SSHKey{}) {
				t.Errorf("ParsePublicKey(%q) returned a key %+v with the error", tt.name, k)
			}
			if len(tt.text) > 20 && strings.Contains(ue.Error(), tt.text[len(tt.text)-20:]) {
				t.Errorf("refusal %q repeats what was pasted", ue.Error())
			}
		})
	}
}

func rsaPrivatePEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // a throwaway key for a test
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

func TestKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ed, edFP := authorizedKey(t, genEd25519, "alice@laptop")
	ec, ecFP := authorizedKey(t, genECDSA, "")

	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "list"})
	if len(r.Keys) != 0 || r.Text == "" {
		t.Errorf("key list with no keys = %+v, want none and a sentence", r)
	}

	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: ed})
	wantContains(t, "add reply", r.Text, edFP, "ssh-ed25519")
	if len(r.Keys) != 1 || r.Keys[0].Owner != alice || !r.Keys[0].Added.Equal(e.clock.Now()) {
		t.Errorf("add reply keys = %+v, want alice's key added now", r.Keys)
	}
	e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: ec})
	e.handle("", caller(bob), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: ed}) // the same key, another person

	ue := e.refused(caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: ed})
	wantContains(t, "duplicate Msg", ue.Msg, "already added", edFP)
	ue = e.refused(caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: "-----BEGIN OPENSSH PRIVATE KEY-----\nabc"})
	wantContains(t, "private key Msg", ue.Msg, "PRIVATE key")

	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "list"})
	got := map[string]bool{}
	for _, k := range r.Keys {
		got[k.Fingerprint] = k.Owner == alice
	}
	if len(r.Keys) != 2 || !got[edFP] || !got[ecFP] {
		t.Errorf("alice's keys = %+v, want her two", r.Keys)
	}

	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "remove", Fingerprint: edFP})
	wantContains(t, "remove reply", r.Text, edFP)
	ue = e.refused(caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "remove", Fingerprint: edFP})
	wantContains(t, "remove again Msg", ue.Msg, "no key with fingerprint "+edFP)
	if r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "list"}); len(r.Keys) != 1 || r.Keys[0].Fingerprint != ecFP {
		t.Errorf("alice's keys after remove = %+v, want only %s", r.Keys, ecFP)
	}
	if r := e.handle("", caller(bob), grammar.Command{Verb: grammar.VerbKey, Sub: "list"}); len(r.Keys) != 1 || r.Keys[0].Fingerprint != edFP {
		t.Errorf("bob's keys = %+v, want his copy of %s untouched", r.Keys, edFP)
	}
	e.refused(caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "rotate"})
}

// requests records the create requests that reach the demo cloud.
type requests struct {
	*demo.Provider
	mu  sync.Mutex
	got []providers.InstanceRequest
}

func (r *requests) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	r.mu.Lock()
	r.got = append(r.got, req)
	r.mu.Unlock()
	return r.Provider.CreateInstance(ctx, req)
}

func TestUpPassesOwnersKeys(t *testing.T) {
	t.Parallel()
	var rec *requests
	e := newEnv(t, func(o *envOptions) {
		o.wrap = func(p *demo.Provider) providers.Provider { rec = &requests{Provider: p}; return rec }
	})
	ed, _ := authorizedKey(t, genEd25519, "alice@laptop")
	ec, _ := authorizedKey(t, genECDSA, "")
	other, _ := authorizedKey(t, genEd25519, "bob@laptop")
	e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: ed})
	e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: ec})
	e.handle("", caller(bob), grammar.Command{Verb: grammar.VerbKey, Sub: "add", Key: other})
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box", Region: "demo-us"})

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != 1 {
		t.Fatalf("create requests = %d, want 1", len(rec.got))
	}
	req := rec.got[0]
	keys := slices.Clone(req.SSHKeys)
	slices.Sort(keys)
	want := []string{ed, ec}
	slices.Sort(want)
	if !slices.Equal(keys, want) {
		t.Errorf("SSHKeys = %q, want alice's two keys %q", req.SSHKeys, want)
	}
	if req.Name != "box" || req.Region != "demo-us" || req.Size != "small" ||
		req.Labels[providers.LabelOwner] != alice || req.Labels[providers.LabelOp] != op.ID {
		t.Errorf("create request = %+v, want box, small in demo-us, labelled with owner and op", req)
	}
}
