package digitalocean

import "github.com/spuffbot/spuffbot/providers"

func init() {
	providers.Register(providers.Cloud{
		Name:        Name,
		Label:       "DigitalOcean",
		Aliases:     []string{"do"},
		New:         FromEnv,
		Credentials: []providers.Credential{{Var: EnvToken, Doc: "a personal access token with read and write scope"}},
		Endpoint:    []string{EnvAPIURL},
		CheckHint:   "set " + EnvToken + " to a token with read and write scope",
		Notes:       "tags `spuff`, `spuff-owner:<user>`, `spuff-op:<id>`",
		// DigitalOcean allows 5,000 requests an hour per token (and 250 a
		// minute); lists are asked for 200 at a time.
		RequestsPerHour: 5000,
		ListPageSize:    200,
	})
}
