package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/ssh"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/store"
)

func (s *Service) handleKey(ctx context.Context, c Caller, cmd grammar.Command) (Reply, error) {
	switch cmd.Sub {
	case "add":
		k, err := ParsePublicKey(cmd.Key)
		if err != nil {
			return Reply{}, err
		}
		k.Owner, k.Added = c.User, s.cfg.Now()
		if err := s.store.AddKey(ctx, k); errors.Is(err, store.ErrExists) {
			return Reply{}, refuse("see your keys with `/spuff key list`", "you already added the key %s", k.Fingerprint)
		} else if err != nil {
			return Reply{}, fmt.Errorf("add key: %w", err)
		}
		s.audit(ctx, c.User, "key-add", k.Fingerprint, "ok", "")
		return Reply{Text: fmt.Sprintf("Added your %s key %s. New instances will accept it as `ssh dev@<ip>`.", k.Type, k.Fingerprint),
			Keys: []store.SSHKey{k}}, nil
	case "list":
		keys, err := s.store.ListKeys(ctx, c.User)
		if err != nil {
			return Reply{}, fmt.Errorf("list keys: %w", err)
		}
		r := Reply{Keys: keys}
		if len(keys) == 0 {
			r.Text = "You have no SSH keys. Add one with `/spuff key add ssh-ed25519 AAAA… you@laptop`."
		}
		return r, nil
	case "remove":
		err := s.store.RemoveKey(ctx, c.User, cmd.Fingerprint)
		if errors.Is(err, store.ErrNotFound) {
			return Reply{}, refuse("see your keys with `/spuff key list`", "you have no key with fingerprint %s", cmd.Fingerprint)
		} else if err != nil {
			return Reply{}, fmt.Errorf("remove key: %w", err)
		}
		s.audit(ctx, c.User, "key-remove", cmd.Fingerprint, "ok", "")
		return Reply{Text: "Removed key " + cmd.Fingerprint + ". Running instances keep it until destroyed."}, nil
	}
	return Reply{}, refuse("try `/spuff help key`", "unknown key command `%s`", cmd.Sub)
}

// ParsePublicKey validates an authorized_keys line and returns it as a
// key record (without owner). A private key pasted by mistake is refused
// with a warning to rotate it.
func ParsePublicKey(text string) (store.SSHKey, error) {
	text = strings.TrimSpace(text)
	if strings.Contains(text, "PRIVATE KEY") {
		return store.SSHKey{}, refuse("generate a new key pair now and add only the `.pub` file's line",
			"that is a PRIVATE key — it was not stored, but it has been posted in chat, so treat it as leaked")
	}
	pub, comment, _, _, err := ssh.ParseAuthorizedKey([]byte(text))
	if err != nil {
		return store.SSHKey{}, refuse("paste one line from your `~/.ssh/id_ed25519.pub`, like `ssh-ed25519 AAAA… you@laptop`",
			"that is not an SSH public key")
	}
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
	if comment != "" {
		line += " " + comment
	}
	return store.SSHKey{Fingerprint: ssh.FingerprintSHA256(pub), Type: pub.Type(), Comment: comment, PublicKey: line}, nil
}
