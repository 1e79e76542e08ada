package aws

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/secret"
)

// Environment variables FromEnv reads besides the SDK's own.
const (
	// EnvSSHCIDR is the source range allowed to SSH in (Config.SSHCIDR).
	EnvSSHCIDR = "SPUFF_AWS_SSH_CIDR"
	// EnvPollInterval is the first poll interval (Config.PollInterval),
	// a Go duration such as "2s".
	EnvPollInterval = "SPUFF_AWS_POLL_INTERVAL"
)

// FromEnv builds a provider from the environment through the standard AWS
// chain (config.LoadDefaultConfig). The variables the chain knows are read
// through env and passed to the loader explicitly — AWS_REGION (or
// AWS_DEFAULT_REGION), AWS_PROFILE, AWS_CONFIG_FILE,
// AWS_SHARED_CREDENTIALS_FILE, AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY
// (or AWS_SECRET_ACCESS_KEY_FILE) and AWS_SESSION_TOKEN,
// AWS_EC2_METADATA_DISABLED, AWS_ENDPOINT_URL_EC2 or AWS_ENDPOINT_URL — so
// that they win over the process environment; the rest of the chain (SSO,
// web identity, the instance role) works as the SDK does it. It does no
// network I/O.
func FromEnv(ctx context.Context, env providers.Env) (providers.Provider, error) {
	var opts []func(*config.LoadOptions) error
	if r := firstSet(env, "AWS_REGION", "AWS_DEFAULT_REGION"); r != "" {
		opts = append(opts, config.WithRegion(r))
	}
	if v := env("AWS_PROFILE"); v != "" {
		opts = append(opts, config.WithSharedConfigProfile(v))
	}
	if v := env("AWS_CONFIG_FILE"); v != "" {
		opts = append(opts, config.WithSharedConfigFiles([]string{v}))
	}
	if v := env("AWS_SHARED_CREDENTIALS_FILE"); v != "" {
		opts = append(opts, config.WithSharedCredentialsFiles([]string{v}))
	}
	if strings.EqualFold(env("AWS_EC2_METADATA_DISABLED"), "true") {
		opts = append(opts, config.WithEC2IMDSClientEnableState(imds.ClientDisabled))
	}
	keyID := strings.TrimSpace(env("AWS_ACCESS_KEY_ID"))
	key, err := secret.FromEnv(env, "AWS_SECRET_ACCESS_KEY")
	if err != nil {
		return nil, fmt.Errorf("aws: %w", err)
	}
	token, err := secret.FromEnv(env, "AWS_SESSION_TOKEN")
	if err != nil {
		return nil, fmt.Errorf("aws: %w", err)
	}
	switch {
	case keyID != "" && !key.Empty():
		opts = append(opts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(keyID, key.Reveal(), token.Reveal())))
	case keyID != "":
		return nil, fmt.Errorf("aws: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case !key.Empty():
		return nil, fmt.Errorf("aws: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	}
	cfg := Config{
		BaseURL: firstSet(env, "AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL"),
		SSHCIDR: env(EnvSSHCIDR),
	}
	cfg.MetricsURL = firstSet(env, "AWS_ENDPOINT_URL_CLOUDWATCH", "AWS_ENDPOINT_URL") // CloudWatch, for the idle checks
	if v := env(EnvPollInterval); v != "" {
		if cfg.PollInterval, err = time.ParseDuration(v); err != nil {
			return nil, fmt.Errorf("aws: %s: %w", EnvPollInterval, err)
		}
	}
	if cfg.AWS, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
		return nil, fmt.Errorf("aws: load the AWS configuration: %w", err)
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
