package hetzner

import "github.com/spuffbot/spuffbot/providers"

// EnvTokenAlias is accepted for EnvToken when EnvToken is not set, as
// other Hetzner tools name it.
const EnvTokenAlias = "HETZNER_TOKEN"

func init() {
	providers.Register(providers.Cloud{
		Name:    Name,
		Label:   "Hetzner Cloud",
		Aliases: []string{"hcloud"},
		New:     FromEnv,
		Credentials: []providers.Credential{{
			Var:     EnvToken,
			Aliases: []string{EnvTokenAlias},
			Doc:     "a Read & Write API token of the project",
		}},
		Endpoint:  []string{EnvEndpoint},
		CheckHint: "set " + EnvToken + " (or " + EnvTokenAlias + ") to a Read & Write API token of the project",
		Notes:     "prices converted from EUR at a fixed rate, shown as estimates",
		// Hetzner Cloud allows 3,600 requests an hour per project; lists come
		// 50 at a time.
		RequestsPerHour: 3600,
		ListPageSize:    50,
	})
}
