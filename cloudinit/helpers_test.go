package cloudinit

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	"golang.org/x/crypto/ssh"
)

// lease is the fixed lease expiry of the test configs.
var lease = time.Date(2025, 6, 1, 18, 0, 0, 0, time.UTC)

// testKey returns the authorized_keys line of the ed25519 key whose seed
// is 32 copies of seed, so golden files stay stable.
func testKey(t testing.TB, seed byte, comment string) string {
	t.Helper()
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	pub, err := ssh.NewPublicKey(priv.Public())
	if err != nil {
		t.Fatalf("ssh.NewPublicKey: %v", err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub))) + " " + comment
}

// parseDoc checks out starts with the cloud-config header and returns its
// YAML document.
func parseDoc(t testing.TB, out string) map[string]any {
	t.Helper()
	if !strings.HasPrefix(out, Header) {
		t.Fatalf("document does not start with %q:\n%s", Header, out)
	}
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("document does not parse as YAML: %v\n%s", err, out)
	}
	if doc == nil {
		t.Fatalf("document is empty:\n%s", out)
	}
	return doc
}

// devUser returns the first entry of users, which must be the dev user.
func devUser(t testing.TB, doc map[string]any) map[string]any {
	t.Helper()
	users, ok := doc["users"].([]any)
	if !ok || len(users) == 0 {
		t.Fatalf("users = %#v, want a list starting with the %s user", doc["users"], User)
	}
	u, ok := users[0].(map[string]any)
	if !ok || u["name"] != User {
		t.Fatalf("users[0] = %#v, want the %s user", users[0], User)
	}
	want := map[string]any{"groups": []any{"sudo", "docker"}, "shell": "/bin/bash",
		"sudo": "ALL=(ALL) NOPASSWD:ALL", "lock_passwd": true}
	for k, v := range want {
		if !equalJSON(u[k], v) {
			t.Errorf("users[0].%s = %#v, want %#v", k, u[k], v)
		}
	}
	return u
}

// markerOf returns the decoded content of the marker file, which must be
// the first entry of write_files.
func markerOf(t testing.TB, doc map[string]any) map[string]any {
	t.Helper()
	files, ok := doc["write_files"].([]any)
	if !ok || len(files) == 0 {
		t.Fatalf("write_files = %#v, want a list starting with the marker", doc["write_files"])
	}
	f, ok := files[0].(map[string]any)
	if !ok || f["path"] != MarkerPath || f["permissions"] != "0644" {
		t.Fatalf("write_files[0] = %#v, want %s with permissions 0644", files[0], MarkerPath)
	}
	content, _ := f["content"].(string)
	var m map[string]any
	if err := json.Unmarshal([]byte(content), &m); err != nil {
		t.Fatalf("marker content %q is not JSON: %v", content, err)
	}
	return m
}

// equalJSON reports whether a and b encode to the same JSON.
func equalJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(x, y)
}
