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
	})
}
