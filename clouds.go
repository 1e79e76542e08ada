package main

// The clouds this binary is built with. Each package registers itself
// (providers.Register) with its name, label, credentials, endpoint and
// settings; adding a cloud is its package plus one line here. See
// docs/providers.md.
import (
	_ "github.com/spuffbot/spuffbot/providers/aws"
	_ "github.com/spuffbot/spuffbot/providers/demo"
	_ "github.com/spuffbot/spuffbot/providers/digitalocean"
	_ "github.com/spuffbot/spuffbot/providers/hetzner"
)
