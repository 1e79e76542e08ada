package aws

import (
	"fmt"
	"net"

	"github.com/spuffbot/spuffbot/providers"
)

// Variables that point the EC2 API elsewhere, as the AWS SDKs read them:
// the EC2-specific one wins.
const (
	EnvEndpointEC2 = "AWS_ENDPOINT_URL_EC2"
	EnvEndpoint    = "AWS_ENDPOINT_URL"
)

func init() {
	providers.Register(providers.Cloud{
		Name:    Name,
		Label:   "AWS EC2",
		Aliases: []string{"ec2"},
		New:     FromEnv,
		// Besides these, the chain FromEnv documents: web identity,
		// AWS_PROFILE with the shared config and credentials files, the
		// container and instance roles; SSO and login profiles refused.
		Credentials: []providers.Credential{
			{Var: "AWS_SECRET_ACCESS_KEY", Doc: "the secret of the access key AWS_ACCESS_KEY_ID names"},
			{Var: "AWS_SESSION_TOKEN", Doc: "the session token of temporary credentials"},
		},
		Endpoint: []string{EnvEndpointEC2, EnvEndpoint},
		Settings: []providers.Setting{{
			Key:     "ssh_cidr",
			Env:     EnvSSHCIDR,
			Default: "0.0.0.0/0",
			Doc:     "source range allowed to reach port 22 through the spuff security group (a CIDR block)",
			Check:   checkCIDR,
		}},
		CheckHint: "set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE, and AWS_REGION",
		Notes:     "prices from a table in the binary (`providers/aws/prices.csv`), shown as estimates",
		// EC2 throttles DescribeInstances with a token bucket per account
		// (100 requests, refilled at 20 a second); counted as 3,600 an hour
		// to leave the rest of the account's automation alone.
		RequestsPerHour: 3600,
		ListPageSize:    1000,
	})
}

// checkCIDR says why s is not a CIDR block, or "" when it is.
func checkCIDR(s string) string {
	if _, _, err := net.ParseCIDR(s); err != nil {
		return fmt.Sprintf("%q is not a CIDR block (examples: 0.0.0.0/0, 203.0.113.0/24)", s)
	}
	return ""
}
