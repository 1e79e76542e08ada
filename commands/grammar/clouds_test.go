package grammar

// The clouds the tests name, registered as in the binary (clouds.go), so
// that --provider names and their aliases come from their packages.
import (
	_ "github.com/spuffbot/spuffbot/providers/aws"
	_ "github.com/spuffbot/spuffbot/providers/demo"
	_ "github.com/spuffbot/spuffbot/providers/digitalocean"
	_ "github.com/spuffbot/spuffbot/providers/hetzner"
)
