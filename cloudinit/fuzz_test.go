package cloudinit

import (
	"errors"
	"testing"
)

// FuzzRender renders arbitrary hostnames and extra cloud-config: Render
// must not panic, must fail only with ErrInvalid, must agree with
// ValidateExtra, and what it returns must parse as YAML holding the dev
// user, the owner's key and the marker file.
func FuzzRender(f *testing.F) {
	key := testKey(f, 1, "alice@laptop")
	f.Fuzz(func(t *testing.T, hostname, extra string) {
		cfg := Config{Hostname: hostname, Owner: "U1", Keys: []string{key}, LeaseExpiry: lease, Extra: extra}
		out, err := Render(cfg)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("Render(%q, %q) error = %v, want one wrapping ErrInvalid", hostname, extra, err)
			}
		} else {
			doc := parseDoc(t, out)
			u := devUser(t, doc)
			if keys, _ := u["ssh_authorized_keys"].([]any); len(keys) != 1 || keys[0] != key {
				t.Errorf("ssh_authorized_keys = %#v, want [%q]", u["ssh_authorized_keys"], key)
			}
			if m := markerOf(t, doc); m["hostname"] != hostname || m["managed_by"] != "spuff" {
				t.Errorf("marker = %v, want hostname %q managed by spuff", m, hostname)
			}
			if doc["hostname"] != hostname {
				t.Errorf("hostname = %#v, want %q", doc["hostname"], hostname)
			}
		}

		cfg.Hostname = "dev-1"
		_, err = Render(cfg)
		if verr := ValidateExtra(extra); (verr == nil) != (err == nil) {
			t.Errorf("ValidateExtra(%q) = %v, but Render with it = %v", extra, verr, err)
		}
	})
}
