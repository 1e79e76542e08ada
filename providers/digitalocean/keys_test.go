package digitalocean

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/ssh"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/secret"
)

// newAuthorizedKey returns a fresh ed25519 public key in authorized_keys
// form, with comment, and its MD5 fingerprint.
func newAuthorizedKey(t *testing.T, comment string) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSpace(string(ssh.MarshalAuthorizedKey(sshPub))) + " " + comment
	return line, ssh.FingerprintLegacyMD5(sshPub)
}

func TestCreateRegistersSSHKeysOnce(t *testing.T) {
	p, emu := newTestProvider(t)
	alice, aliceFP := newAuthorizedKey(t, "alice@laptop")
	bob, bobFP := newAuthorizedKey(t, "bob")
	for _, name := range []string{"first", "second"} {
		req := validRequest(name)
		req.SSHKeys = []string{alice, bob}
		in, err := p.CreateInstance(t.Context(), req)
		if err != nil {
			t.Fatalf("CreateInstance(%s) error = %v", name, err)
		}
		id, _ := strconv.Atoi(in.ID)
		d, _ := emu.Droplet(id)
		if diff := cmp.Diff([]string{aliceFP, bobFP}, d.SSHKeys); diff != "" {
			t.Errorf("droplet %s ssh keys mismatch (-want +got):\n%s", name, diff)
		}
	}
	want := []string{aliceFP, bobFP}
	if aliceFP > bobFP {
		want = []string{bobFP, aliceFP}
	}
	if diff := cmp.Diff(want, emu.SSHKeys()); diff != "" {
		t.Errorf("account keys mismatch (-want +got):\n%s", diff)
	}
	if n := emu.Calls("POST /v2/account/keys"); n != 2 {
		t.Errorf("Calls(POST /v2/account/keys) = %d, want 2: each key registered once", n)
	}
	if n := emu.Calls("GET /v2/account/keys/{id}"); n != 2 {
		t.Errorf("Calls(GET /v2/account/keys/{id}) = %d, want 2: known keys are remembered", n)
	}
}

func TestCreateUsesAlreadyRegisteredKey(t *testing.T) {
	p1, emu := newTestProvider(t)
	key, fp := newAuthorizedKey(t, "carol")
	req := validRequest("one")
	req.SSHKeys = []string{key}
	if _, err := p1.CreateInstance(t.Context(), req); err != nil {
		t.Fatalf("CreateInstance() error = %v", err)
	}
	// A second provider (another replica) does not know the key yet.
	p2, err := New(Config{Token: secret.New(testToken), BaseURL: emu.URL})
	if err != nil {
		t.Fatal(err)
	}
	req = validRequest("two")
	req.SSHKeys = []string{key}
	if _, err := p2.CreateInstance(t.Context(), req); err != nil {
		t.Fatalf("CreateInstance() on a second provider error = %v", err)
	}
	if n := emu.Calls("POST /v2/account/keys"); n != 1 {
		t.Errorf("Calls(POST /v2/account/keys) = %d, want 1", n)
	}
	if diff := cmp.Diff([]string{fp}, emu.SSHKeys()); diff != "" {
		t.Errorf("account keys mismatch (-want +got):\n%s", diff)
	}
}

func TestCreateRejectsMalformedSSHKey(t *testing.T) {
	p, emu := newTestProvider(t)
	req := validRequest("bad-key")
	req.SSHKeys = []string{"not a key"}
	if _, err := p.CreateInstance(t.Context(), req); !errors.Is(err, providers.ErrInvalid) {
		t.Fatalf("CreateInstance(malformed key) error = %v, want ErrInvalid", err)
	}
	if n := emu.TotalCalls(); n != 0 {
		t.Errorf("TotalCalls() = %d, want 0", n)
	}
}
