package console

// The clouds the tests name, registered as in the binary (wiring.go), so
// that labels, settings and credentials come from their packages.
import (
	_ "github.com/spuffbot/spuffbot/providers/aws"
	_ "github.com/spuffbot/spuffbot/providers/demo"
	_ "github.com/spuffbot/spuffbot/providers/digitalocean"
	_ "github.com/spuffbot/spuffbot/providers/hetzner"
)
