package digitalocean

import (
	"context"
	"errors"
	"strings"

	"github.com/digitalocean/godo"
	"golang.org/x/crypto/ssh"

	"github.com/spuffbot/spuffbot/providers"
)

// sshKeys registers public keys (authorized_keys form) with the account
// when they are not there yet, and returns them as droplet create keys
// named by their MD5 fingerprint, as DigitalOcean names keys.
func (p *Provider) sshKeys(ctx context.Context, keys []string) ([]godo.DropletCreateSSHKey, error) {
	const op = "register ssh key"
	var out []godo.DropletCreateSSHKey
	for i, k := range keys {
		pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(k))
		if err != nil {
			return nil, invalid(op, "ssh key %d is not an authorized_keys line: %v", i+1, err)
		}
		fp := ssh.FingerprintLegacyMD5(pub)
		if err := p.registerKey(ctx, fp, comment, k); err != nil {
			return nil, err
		}
		out = append(out, godo.DropletCreateSSHKey{Fingerprint: fp})
	}
	return out, nil
}

// registerKey makes sure the account holds the key with fingerprint fp.
func (p *Provider) registerKey(ctx context.Context, fp, comment, key string) error {
	p.mu.Lock()
	known := p.keys[fp]
	p.mu.Unlock()
	if known {
		return nil
	}
	err := p.call(ctx, retryIdempotent, func() error {
		_, err := p.api.getKey(ctx, fp)
		return err
	})
	if notFound(err) {
		name := "spuff"
		if c := sanitizeTag(strings.TrimSpace(comment), false); c != "" {
			name += "-" + c
		}
		req := &godo.KeyCreateRequest{Name: truncate(name, 255), PublicKey: strings.TrimSpace(key)}
		err = p.call(ctx, retryUnserved, func() error {
			_, err := p.api.createKey(ctx, req)
			return err
		})
		// Someone registered the same key meanwhile (422), or the reply was
		// lost: the key being there is success either way.
		if (errors.Is(err, providers.ErrInvalid) || transient(err)) && p.keyExists(ctx, fp) {
			err = nil
		}
	}
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.keys[fp] = true
	p.mu.Unlock()
	return nil
}

func (p *Provider) keyExists(ctx context.Context, fp string) bool {
	err := p.call(ctx, retryIdempotent, func() error {
		_, err := p.api.getKey(ctx, fp)
		return err
	})
	return err == nil
}
