package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spuffbot/spuffbot/providers"
)

// Environment variables FromEnv reads besides the SDK's own.
const (
	// EnvSSHCIDR is the source range allowed to SSH in (Config.SSHCIDR).
	EnvSSHCIDR = "SPUFF_AWS_SSH_CIDR"
	// EnvPollInterval is the first poll interval (Config.PollInterval),
	// a Go duration such as "2s".
	EnvPollInterval = "SPUFF_AWS_POLL_INTERVAL"
)

// FromEnv builds a provider from the environment. Every variable is read
// through env, so that it wins over the process environment (and tests
// stay hermetic).
//
// The region is AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
// region; the retries AWS_MAX_ATTEMPTS and AWS_RETRY_MODE, else the
// profile's max_attempts and retry_mode. Credentials come from the first of these, in the SDKs' order:
//
//  1. AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY (or
//     AWS_SECRET_ACCESS_KEY_FILE) and AWS_SESSION_TOKEN (or
//     AWS_SESSION_TOKEN_FILE);
//  2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (and
//     AWS_ROLE_SESSION_NAME), as EKS service accounts (IRSA) set them;
//  3. the shared profile AWS_PROFILE, else AWS_DEFAULT_PROFILE, else
//     "default", from AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (or
//     ~/.aws/config and ~/.aws/credentials): static keys; role_arn with
//     source_profile or credential_source (Environment,
//     Ec2InstanceMetadata, EcsContainer), with external_id,
//     role_session_name and duration_seconds; role_arn with
//     web_identity_token_file; credential_process;
//  4. the container endpoint of an ECS task role or EKS Pod Identity:
//     AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or
//     AWS_CONTAINER_CREDENTIALS_FULL_URI with
//     AWS_CONTAINER_AUTHORIZATION_TOKEN or
//     AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
//  5. the EC2 instance role, through the instance metadata service
//     (AWS_EC2_METADATA_SERVICE_ENDPOINT), unless
//     AWS_EC2_METADATA_DISABLED is true.
//
// A profile named by AWS_PROFILE with credential_source Environment
// assumes its role with the keys of step 1. SSO and `aws login` profiles
// are refused, with a sentence saying so: their tokens need a person to
// log in again every few hours, and the bot runs unattended for weeks.
// Neither are roles that ask for an MFA code (mfa_serial). Role sessions
// are named "spuffbot" unless the profile or AWS_ROLE_SESSION_NAME says
// otherwise; STS is reached at AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL
// when set, EC2 at AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL, CloudWatch
// at AWS_ENDPOINT_URL_CLOUDWATCH or AWS_ENDPOINT_URL. With nothing
// configured and the metadata service disabled, FromEnv fails with
// providers.ErrAuth. It does no network I/O: credentials are fetched at
// the first call, and refreshed before they expire.
func FromEnv(ctx context.Context, env providers.Env) (providers.Provider, error) {
	awsCfg, err := awsConfig(env)
	if err != nil {
		return nil, err
	}
	cfg := Config{
		AWS:     awsCfg,
		BaseURL: firstSet(env, "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"),
		SSHCIDR: env(EnvSSHCIDR),
	}
	cfg.MetricsURL = firstSet(env, "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL") // CloudWatch, for the idle checks
	if v := env(EnvPollInterval); v != "" {
		if cfg.PollInterval, err = time.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("aws: %s: %w", EnvPollInterval, err)
		}
	}
	return New(cfg)
}

func firstSet(env providers.Env, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(env(k)); v != "" {
			return v
		}
	}
	return ""
}
