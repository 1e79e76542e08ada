package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spuffbot/spuffbot/store"
)

func testKeys(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	adds := []struct {
		key     store.SSHKey
		wantErr error
	}{
		{store.SSHKey{Owner: "U1", Fingerprint: "SHA256:bbb", Type: "ssh-ed25519", PublicKey: "ssh-ed25519 B", Added: t0}, nil},
		{store.SSHKey{Owner: "U1", Fingerprint: "SHA256:aaa", Type: "ssh-rsa", PublicKey: "ssh-rsa A", Added: t0}, nil},
		{store.SSHKey{Owner: "U1", Fingerprint: "SHA256:bbb", Type: "ssh-ed25519", PublicKey: "ssh-ed25519 other"}, store.ErrExists},
		{store.SSHKey{Owner: "U10", Fingerprint: "SHA256:bbb", PublicKey: "ssh-ed25519 B"}, nil},
		{store.SSHKey{Owner: "U1", Fingerprint: "SHA256:ccc", PublicKey: "ssh-ed25519 C", Added: t0.Add(-time.Hour)}, nil},
		{store.SSHKey{Owner: "U1", Fingerprint: "SHA256:a/b+c=", PublicKey: "ssh-ed25519 D", Added: t0.Add(time.Hour)}, nil},
		{store.SSHKey{Owner: "", Fingerprint: "SHA256:ddd"}, errAny},
		{store.SSHKey{Owner: "U2"}, errAny},
	}
	w := around()
	for _, a := range adds {
		err := s.AddKey(ctx, a.key)
		if a.wantErr == errAny && err != nil {
			continue
		}
		if !errors.Is(err, a.wantErr) {
			t.Errorf("AddKey(%+v) = %v, want %v", a.key, err, a.wantErr)
		}
	}
	w.close()

	fingerprints := func(owner string) []string {
		t.Helper()
		keys, err := s.ListKeys(ctx, owner)
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
		{"U1", []string{"SHA256:ccc", "SHA256:aaa", "SHA256:bbb", "SHA256:a/b+c="}},
		{"U10", []string{"SHA256:bbb"}},
		{"U", nil},
		{"", nil},
	}
	for _, l := range lists {
		if got := fingerprints(l.owner); !cmp.Equal(got, l.want) {
			t.Errorf("ListKeys(%q) = %q, want %q", l.owner, got, l.want)
		}
	}
	keys, err := s.ListKeys(ctx, "U10")
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys(U10) = %+v, %v, want one key", keys, err)
	}
	w.check(t, "Added of a key added without one", keys[0].Added)
	want := []store.SSHKey{{Owner: "U10", Fingerprint: "SHA256:bbb", PublicKey: "ssh-ed25519 B", Added: keys[0].Added}}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("ListKeys(U10) (-want +got):\n%s", diff)
	}
	u1, _ := s.ListKeys(ctx, "U1")
	if i := len(u1) - 2; i < 0 || u1[i].PublicKey != "ssh-ed25519 B" {
		t.Errorf("ListKeys(U1) = %+v, want SHA256:bbb kept as first added", u1)
	}

	removes := []struct {
		owner, fingerprint string
		wantErr            error
	}{
		{"U1", "SHA256:bbb", nil},
		{"U1", "SHA256:bbb", store.ErrNotFound},
		{"U2", "SHA256:aaa", store.ErrNotFound},
		{"U", "SHA256:aaa", store.ErrNotFound},
		{"U1", "SHA256:a/b+c=", nil},
	}
	for _, r := range removes {
		if err := s.RemoveKey(ctx, r.owner, r.fingerprint); !errors.Is(err, r.wantErr) {
			t.Errorf("RemoveKey(%q, %q) = %v, want %v", r.owner, r.fingerprint, err, r.wantErr)
		}
	}
	if got, want := fingerprints("U1"), []string{"SHA256:ccc", "SHA256:aaa"}; !cmp.Equal(got, want) {
		t.Errorf("ListKeys(U1) after RemoveKey = %q, want %q", got, want)
	}
	if got := fingerprints("U10"); !cmp.Equal(got, []string{"SHA256:bbb"}, cmpopts.EquateEmpty()) {
		t.Errorf("ListKeys(U10) after removing U1's key = %q, want [SHA256:bbb]", got)
	}
	if err := s.AddKey(ctx, store.SSHKey{Owner: "U1", Fingerprint: "SHA256:bbb", PublicKey: "ssh-ed25519 B2"}); err != nil {
		t.Errorf("AddKey of a removed fingerprint = %v, want nil", err)
	}
}
