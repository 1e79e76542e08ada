package demo

import "github.com/spuffbot/spuffbot/providers"

func init() {
	providers.Register(providers.Cloud{
		Name:  providerName,
		Label: "Demo cloud",
		New:   FromEnv,
		Notes: "in memory; " + EnvReadyAfter + " (default 2s) is how long a VM takes to boot",
	})
}
