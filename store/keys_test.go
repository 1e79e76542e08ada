package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestKeys(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	t0 := clk.Now()
	adds := []struct {
		key     SSHKey
		wantErr error
	}{
		{SSHKey{Owner: "U1", Fingerprint: "SHA256:bbb", Type: "ssh-ed25519", PublicKey: "ssh-ed25519 B"}, nil},
		{SSHKey{Owner: "U1", Fingerprint: "SHA256:aaa", Type: "ssh-rsa", PublicKey: "ssh-rsa A"}, nil},
		{SSHKey{Owner: "U1", Fingerprint: "SHA256:bbb", Type: "ssh-ed25519", PublicKey: "ssh-ed25519 B"}, ErrExists},
		{SSHKey{Owner: "U10", Fingerprint: "SHA256:bbb", PublicKey: "ssh-ed25519 B"}, nil},
		{SSHKey{Owner: "U1", Fingerprint: "SHA256:ccc", PublicKey: "ssh-ed25519 C", Added: t0.Add(-time.Hour)}, nil},
		{SSHKey{Owner: "", Fingerprint: "SHA256:ddd"}, errAny},
		{SSHKey{Owner: "U2"}, errAny},
	}
	for _, a := range adds {
		err := db.AddKey(ctx, a.key)
		if a.wantErr == errAny && err != nil {
			continue
		}
		if !errors.Is(err, a.wantErr) {
			t.Errorf("AddKey(%+v) = %v, want %v", a.key, err, a.wantErr)
		}
	}

	fingerprints := func(owner string) []string {
		t.Helper()
		keys, err := db.ListKeys(ctx, owner)
		if err != nil {
			t.Fatalf("ListKeys(%q) = %v", owner, err)
		}
		var out []string
		for _, k := range keys {
			if k.Owner != owner {
				t.Errorf("ListKeys(%q) returned a key of %q", owner, k.Owner)
			}
			out = append(out, k.Fingerprint)
		}
		return out
	}
	lists := []struct {
		owner string
		want  []string
	}{
		{"U1", []string{"SHA256:ccc", "SHA256:aaa", "SHA256:bbb"}},
		{"U10", []string{"SHA256:bbb"}},
		{"U", nil},
		{"", nil},
	}
	for _, l := range lists {
		if got := fingerprints(l.owner); !cmp.Equal(got, l.want) {
			t.Errorf("ListKeys(%q) = %q, want %q", l.owner, got, l.want)
		}
	}
	keys, _ := db.ListKeys(ctx, "U10")
	want := []SSHKey{{Owner: "U10", Fingerprint: "SHA256:bbb", PublicKey: "ssh-ed25519 B", Added: t0}}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("ListKeys(U10) (-want +got):\n%s", diff)
	}

	removes := []struct {
		owner, fingerprint string
		wantErr            error
	}{
		{"U1", "SHA256:bbb", nil},
		{"U1", "SHA256:bbb", ErrNotFound},
		{"U2", "SHA256:aaa", ErrNotFound},
		{"U", "SHA256:aaa", ErrNotFound},
	}
	for _, r := range removes {
		if err := db.RemoveKey(ctx, r.owner, r.fingerprint); !errors.Is(err, r.wantErr) {
			t.Errorf("RemoveKey(%q, %q) = %v, want %v", r.owner, r.fingerprint, err, r.wantErr)
		}
	}
	if got, want := fingerprints("U1"), []string{"SHA256:ccc", "SHA256:aaa"}; !cmp.Equal(got, want) {
		t.Errorf("ListKeys(U1) after RemoveKey = %q, want %q", got, want)
	}
	if got := fingerprints("U10"); !cmp.Equal(got, []string{"SHA256:bbb"}, cmpopts.EquateEmpty()) {
		t.Errorf("ListKeys(U10) after removing U1's key = %q, want [SHA256:bbb]", got)
	}
}

// errAny stands for "some error" in tables.
var errAny = errors.New("any error")
