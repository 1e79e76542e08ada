package aws

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/secret"
)

// The credential chain is built here rather than by config.LoadDefaultConfig,
// which also links the SSO, SSO-OIDC and sign-in service clients: those
// serve a person at a terminal, whose tokens need a new interactive login
// every few hours, and the bot runs unattended for weeks.

// defaultSessionName names the bot's role sessions in CloudTrail when
// neither role_session_name nor AWS_ROLE_SESSION_NAME does.
const defaultSessionName = "spuffbot"

// errInteractiveProfile is why an SSO or sign-in profile is refused.
const errInteractiveProfile = "SSO and `aws login` profiles are for a person at a terminal: their tokens " +
	"need a new interactive login every few hours, and the bot runs unattended; give it access keys " +
	"(AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), an instance or task role, web identity " +
	"(AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN) or an assume-role profile instead"

// awsConfig is the SDK configuration FromEnv builds: the region and the
// credentials provider from env and the shared files. Credentials is nil
// when nothing provides any (only when the instance metadata service is
// disabled too).
func awsConfig(env providers.Env) (awssdk.Config, error) {
	var cfg awssdk.Config
	keys, err := envKeys(env)
	if err != nil {
		return cfg, err
	}
	name, named := profileName(env)
	shared, err := loadSharedFiles(env)
	if err != nil {
		return cfg, err
	}
	profile, found := shared.profiles[name]
	if named && !found {
		return cfg, fmt.Errorf("aws: profile %q is in neither %s nor %s", name, shared.configFile, shared.credentialsFile)
	}
	cfg.Region = firstSet(env, "AWS_REGION", "AWS_DEFAULT_REGION")
	if cfg.Region == "" {
		cfg.Region = profile["region"]
	}
	if v := cmp.Or(firstSet(env, "AWS_MAX_ATTEMPTS"), profile["max_attempts"]); v != "" {
		if cfg.RetryMaxAttempts, err = strconv.Atoi(v); err != nil || cfg.RetryMaxAttempts < 1 {
			return cfg, fmt.Errorf("aws: AWS_MAX_ATTEMPTS (or max_attempts) %q is not a positive number", v)
		}
	}
	if v := cmp.Or(firstSet(env, "AWS_RETRY_MODE"), profile["retry_mode"]); v != "" {
		if cfg.RetryMode, err = awssdk.ParseRetryMode(v); err != nil {
			return cfg, fmt.Errorf("aws: AWS_RETRY_MODE (or retry_mode): %w", err)
		}
	}
	r := &resolver{env: env, region: cfg.Region, profiles: shared.profiles, keys: keys}
	var p awssdk.CredentialsProvider
	switch {
	case keys != nil && !(named && profile["credential_source"] == "Environment"):
		// The keys in the environment win, except for a profile named
		// to assume a role with them.
		p = credentials.StaticCredentialsProvider{Value: *keys}
	case env("AWS_WEB_IDENTITY_TOKEN_FILE") != "":
		if env("AWS_ROLE_ARN") == "" {
			return cfg, errors.New("aws: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not")
		}
		p = r.webIdentity(env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN"), env("AWS_ROLE_SESSION_NAME"))
	case found && holdsCredentials(profile):
		p, err = r.profile(name, map[string]bool{})
	default:
		p, err = r.ambient()
	}
	if err != nil {
		return cfg, fmt.Errorf("aws: %w", err)
	}
	if p != nil {
		cfg.Credentials = awssdk.NewCredentialsCache(p)
	}
	return cfg, nil
}

// envKeys returns the access key in the environment, or nil when there is
// none.
func envKeys(env providers.Env) (*awssdk.Credentials, error) {
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
		return &awssdk.Credentials{AccessKeyID: keyID, SecretAccessKey: key.Reveal(),
			SessionToken: token.Reveal(), Source: "environment"}, nil
	case keyID != "":
		return nil, errors.New("aws: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")
	case !key.Empty():
		return nil, errors.New("aws: AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not")
	}
	return nil, nil
}

// profileName returns the shared profile to use and whether the
// environment names it.
func profileName(env providers.Env) (string, bool) {
	if v := firstSet(env, "AWS_PROFILE", "AWS_DEFAULT_PROFILE"); v != "" {
		return v, true
	}
	return "default", false
}

// resolver builds credential providers; a profile's sources may lead to
// another profile, the environment, a container endpoint or the instance.
type resolver struct {
	env      providers.Env
	region   string
	profiles map[string]map[string]string
	keys     *awssdk.Credentials // from the environment, nil if none
}

// holdsCredentials reports whether a profile says where credentials come
// from, rather than only setting a region or such.
func holdsCredentials(p map[string]string) bool {
	for k := range p {
		switch {
		case k == "aws_access_key_id", k == "aws_secret_access_key", k == "role_arn", k == "source_profile",
			k == "credential_source", k == "web_identity_token_file", k == "credential_process",
			k == "login_session", strings.HasPrefix(k, "sso_"):
			return true
		}
	}
	return false
}

// profile returns the credentials provider of the named profile; seen
// holds the profiles already on the source_profile path.
func (r *resolver) profile(name string, seen map[string]bool) (awssdk.CredentialsProvider, error) {
	p, ok := r.profiles[name]
	if !ok {
		return nil, fmt.Errorf("source profile %q is not in the shared config files", name)
	}
	keyID, key := p["aws_access_key_id"], p["aws_secret_access_key"]
	if (keyID == "") != (key == "") {
		return nil, fmt.Errorf("profile %q sets only one of aws_access_key_id and aws_secret_access_key", name)
	}
	static := credentials.StaticCredentialsProvider{Value: awssdk.Credentials{
		AccessKeyID: keyID, SecretAccessKey: key, SessionToken: p["aws_session_token"],
		Source: "shared profile " + name,
	}}
	if len(seen) > 0 {
		// A source profile with keys gives its keys, whatever else it
		// says (it may name itself as the source of its role).
		if keyID != "" {
			return static, nil
		}
		if seen[name] {
			return nil, fmt.Errorf("profile %q: source_profile loops back to it", name)
		}
	}
	seen[name] = true
	sources := 0
	for _, k := range []string{"source_profile", "credential_source", "credential_process", "web_identity_token_file"} {
		if p[k] != "" {
			sources++
		}
	}
	if sources > 1 {
		return nil, fmt.Errorf("profile %q: set only one of source_profile, credential_source, credential_process and web_identity_token_file", name)
	}
	role := p["role_arn"]
	for _, k := range []string{"source_profile", "credential_source", "web_identity_token_file"} {
		if p[k] != "" && role == "" {
			return nil, fmt.Errorf("profile %q: %s needs role_arn", name, k)
		}
	}
	var base awssdk.CredentialsProvider
	var err error
	switch {
	case p["source_profile"] != "":
		base, err = r.profile(p["source_profile"], seen)
	case keyID != "":
		base = static
	case p["credential_source"] != "":
		base, err = r.credentialSource(name, p["credential_source"])
	case p["web_identity_token_file"] != "":
		return r.webIdentity(p["web_identity_token_file"], role, p["role_session_name"]), nil
	case p["sso_session"] != "" || p["sso_start_url"] != "" || p["sso_region"] != "" ||
		p["sso_account_id"] != "" || p["sso_role_name"] != "" || p["login_session"] != "":
		return nil, fmt.Errorf("profile %q is refused: %s", name, errInteractiveProfile)
	case p["credential_process"] != "":
		base = quietProcess{processcreds.NewProvider(p["credential_process"])}
	case role != "":
		return nil, fmt.Errorf("profile %q: role_arn needs source_profile, credential_source or web_identity_token_file", name)
	default:
		return nil, fmt.Errorf("profile %q holds no credentials", name)
	}
	if err != nil || role == "" {
		return base, err
	}
	return r.assumeRole(name, p, base)
}

// credentialSource returns the provider a profile's credential_source
// names.
func (r *resolver) credentialSource(profile, source string) (awssdk.CredentialsProvider, error) {
	switch source {
	case "Environment":
		if r.keys == nil {
			return nil, fmt.Errorf("profile %q: credential_source is Environment but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set", profile)
		}
		return credentials.StaticCredentialsProvider{Value: *r.keys}, nil
	case "Ec2InstanceMetadata":
		if p := r.instance(); p != nil {
			return p, nil
		}
		return nil, fmt.Errorf("profile %q: credential_source is Ec2InstanceMetadata but AWS_EC2_METADATA_DISABLED is true", profile)
	case "EcsContainer":
		p, err := r.container()
		if err == nil && p == nil {
			err = fmt.Errorf("profile %q: credential_source is EcsContainer but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set", profile)
		}
		return p, err
	}
	return nil, fmt.Errorf("profile %q: credential_source %q is none of Environment, Ec2InstanceMetadata and EcsContainer", profile, source)
}

// assumeRole returns a provider assuming the role of profile p with the
// credentials of base.
func (r *resolver) assumeRole(name string, p map[string]string, base awssdk.CredentialsProvider) (awssdk.CredentialsProvider, error) {
	if p["mfa_serial"] != "" {
		return nil, fmt.Errorf("profile %q: role %s asks for an MFA code (mfa_serial), and no one is there to type it "+
			"for the bot: give it a role whose trust policy does not require MFA", name, p["role_arn"])
	}
	var duration time.Duration
	if v := p["duration_seconds"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("profile %q: duration_seconds %q is not a number of seconds", name, v)
		}
		duration = time.Duration(n) * time.Second
	}
	client := r.sts(awssdk.NewCredentialsCache(base))
	return stscreds.NewAssumeRoleProvider(client, p["role_arn"], func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = cmp.Or(p["role_session_name"], defaultSessionName)
		if v := p["external_id"]; v != "" {
			o.ExternalID = awssdk.String(v)
		}
		if duration > 15*time.Minute { // STS's least; shorter means its default, as in the SDK
			o.Duration = duration
		}
	}), nil
}

// webIdentity returns a provider trading the token in file for role's
// credentials, the file read anew at each exchange (it is rotated).
func (r *resolver) webIdentity(file, role, session string) awssdk.CredentialsProvider {
	return stscreds.NewWebIdentityRoleProvider(r.sts(nil), role, stscreds.IdentityTokenFile(file),
		func(o *stscreds.WebIdentityRoleOptions) { o.RoleSessionName = cmp.Or(session, defaultSessionName) })
}

// sts returns an STS client signing with creds (nil for the unsigned web
// identity exchange), at AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL when set.
func (r *resolver) sts(creds awssdk.CredentialsProvider) *sts.Client {
	return sts.New(sts.Options{Region: r.region, Credentials: creds}, func(o *sts.Options) {
		if u := firstSet(r.env, "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"); u != "" {
			o.BaseEndpoint = awssdk.String(u)
		}
	})
}

// quietProcess runs a credential_process, keeping its output out of the
// errors: the SDK quotes output it cannot parse, which may hold a key.
type quietProcess struct{ p *processcreds.Provider }

func (q quietProcess) Retrieve(ctx context.Context) (awssdk.Credentials, error) {
	c, err := q.p.Retrieve(ctx)
	if err != nil && strings.Contains(err.Error(), "process output") {
		return awssdk.Credentials{}, errors.New("credential_process: its output is not the credentials JSON (Version 1, AccessKeyId, SecretAccessKey)")
	}
	return c, err
}
