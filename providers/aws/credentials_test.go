package aws

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
)

// Secrets the tests hand out; no error text may hold one.
const (
	envSecret       = "envsecretENVSECRETenvsecret"
	profileSecret   = "profilesecretPROFILESECRET"
	roleSecret      = "rolesecretROLESECRETrole"
	roleToken       = "roletokenROLETOKENroletoken"
	containerToken  = "containerauthTOKENcontainer"
	containerSecret = "containersecretCONTAINER"
	imdsSecret      = "imdssecretIMDSSECRETimds"
	processSecret   = "processsecretPROCESSSECRET"
)

var secrets = []string{envSecret, profileSecret, roleSecret, roleToken, containerToken, containerSecret, imdsSecret, processSecret}

// credEnv is a hermetic environment: HOME and the shared files in a
// temporary directory, the metadata service off, a region set.
func credEnv(t *testing.T) map[string]string {
	t.Helper()
	home := t.TempDir()
	return map[string]string{
		"HOME":                        home,
		"AWS_CONFIG_FILE":             filepath.Join(home, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(home, "credentials"),
		"AWS_EC2_METADATA_DISABLED":   "true",
		"AWS_REGION":                  "eu-west-1",
	}
}

func writeTemp(t *testing.T, path, text string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), mode); err != nil {
		t.Fatal(err)
	}
}

// retrieve builds the configuration of env and retrieves its credentials.
func retrieve(t *testing.T, env map[string]string) (string, error) {
	t.Helper()
	cfg, err := awsConfig(func(k string) string { return env[k] })
	if err != nil {
		return "", err
	}
	if cfg.Credentials == nil {
		return "", errors.New("no credentials provider")
	}
	c, err := cfg.Credentials.Retrieve(t.Context())
	return c.AccessKeyID, err
}

func wantKey(t *testing.T, env map[string]string, want string) {
	t.Helper()
	got, err := retrieve(t, env)
	if err != nil {
		t.Fatalf("credentials: %v", err)
	}
	if got != want {
		t.Errorf("AccessKeyID = %q, want %q", got, want)
	}
}

// wantErr checks that env fails with an error holding each of parts and
// no secret.
func wantErr(t *testing.T, env map[string]string, parts ...string) error {
	t.Helper()
	got, err := retrieve(t, env)
	if err == nil {
		t.Fatalf("credentials = %q, nil; want an error", got)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q lacks %q", err, p)
		}
	}
	noSecret(t, err)
	return err
}

func noSecret(t *testing.T, err error) {
	t.Helper()
	for _, s := range secrets {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error %q holds a secret", err)
		}
	}
}

func TestCredentialsEnvKeys(t *testing.T) {
	env := credEnv(t)
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "AKIDENV", envSecret
	// The keys in the environment win over the default profile.
	writeTemp(t, env["AWS_SHARED_CREDENTIALS_FILE"], "[default]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = "+profileSecret+"\n", 0o600)
	wantKey(t, env, "AKIDENV")
}

func TestCredentialsProfileKeysAndRegion(t *testing.T) {
	env := credEnv(t)
	delete(env, "AWS_REGION")
	env["AWS_PROFILE"] = "bot"
	writeTemp(t, env["AWS_CONFIG_FILE"], "# comment\n[default]\nregion = us-east-1\n\n[profile bot]\nregion = ap-south-1 ; comment\ns3 =\n  max_concurrent_requests = 20\n", 0o600)
	writeTemp(t, env["AWS_SHARED_CREDENTIALS_FILE"], "[bot]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = "+profileSecret+"\n", 0o600)
	cfg, err := awsConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Region != "ap-south-1" {
		t.Errorf("Region = %q, want the profile's ap-south-1", cfg.Region)
	}
	wantKey(t, env, "AKIDPROFILE")

	env["AWS_DEFAULT_REGION"] = "sa-east-1"
	if cfg, _ := awsConfig(func(k string) string { return env[k] }); cfg.Region != "sa-east-1" {
		t.Errorf("Region = %q, want AWS_DEFAULT_REGION's sa-east-1 over the profile's", cfg.Region)
	}
}

func TestCredentialsDefaultFilesUnderHome(t *testing.T) {
	env := credEnv(t)
	delete(env, "AWS_CONFIG_FILE")
	delete(env, "AWS_SHARED_CREDENTIALS_FILE")
	if err := os.MkdirAll(filepath.Join(env["HOME"], ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeTemp(t, filepath.Join(env["HOME"], ".aws", "credentials"),
		"[default]\naws_access_key_id = AKIDHOME\naws_secret_access_key = "+profileSecret+"\n", 0o600)
	wantKey(t, env, "AKIDHOME")
}

func TestCredentialsAssumeRoleSourceProfile(t *testing.T) {
	sts := newSTS(t)
	env := credEnv(t)
	env["AWS_PROFILE"] = "deploy"
	env["AWS_ENDPOINT_URL_STS"] = sts.URL
	writeTemp(t, env["AWS_CONFIG_FILE"], `[profile deploy]
role_arn = arn:aws:iam::123456789012:role/spuff
source_profile = base
external_id = ext-42
role_session_name = spuff-test
`, 0o600)
	writeTemp(t, env["AWS_SHARED_CREDENTIALS_FILE"], "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = "+profileSecret+"\n", 0o600)
	wantKey(t, env, "ASIAROLE")
	c := sts.only(t)
	want := stsCall{action: "AssumeRole", role: "arn:aws:iam::123456789012:role/spuff", session: "spuff-test",
		externalID: "ext-42", signer: "AKIDBASE"}
	if c != want {
		t.Errorf("STS call = %+v, want %+v", c, want)
	}
}

func TestCredentialsAssumeRoleFromEnvironment(t *testing.T) {
	sts := newSTS(t)
	env := credEnv(t)
	env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = "AKIDENV", envSecret
	env["AWS_PROFILE"] = "deploy"
	env["AWS_ENDPOINT_URL"] = sts.URL // the generic endpoint serves STS too
	writeTemp(t, env["AWS_CONFIG_FILE"], "[profile deploy]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\n", 0o600)
	wantKey(t, env, "ASIAROLE")
	if c := sts.only(t); c.signer != "AKIDENV" || c.session != defaultSessionName {
		t.Errorf("STS call = %+v, want signed by AKIDENV in session %q", c, defaultSessionName)
	}
}

func TestCredentialsWebIdentity(t *testing.T) {
	for _, fromProfile := range []bool{false, true} {
		t.Run(fmt.Sprint("profile=", fromProfile), func(t *testing.T) {
			sts := newSTS(t)
			env := credEnv(t)
			env["AWS_ENDPOINT_URL_STS"] = sts.URL
			tokenFile := filepath.Join(t.TempDir(), "token")
			writeTemp(t, tokenFile, "eyJ.web.identity", 0o600)
			if fromProfile {
				writeTemp(t, env["AWS_CONFIG_FILE"], "[default]\nrole_arn = arn:aws:iam::1:role/web\nweb_identity_token_file = "+tokenFile+"\nrole_session_name = pod\n", 0o600)
			} else {
				env["AWS_WEB_IDENTITY_TOKEN_FILE"], env["AWS_ROLE_ARN"], env["AWS_ROLE_SESSION_NAME"] = tokenFile, "arn:aws:iam::1:role/web", "pod"
			}
			wantKey(t, env, "ASIAROLE")
			want := stsCall{action: "AssumeRoleWithWebIdentity", role: "arn:aws:iam::1:role/web", session: "pod", token: "eyJ.web.identity"}
			if c := sts.only(t); c != want {
				t.Errorf("STS call = %+v, want %+v", c, want)
			}
		})
	}
}

func TestCredentialsProcess(t *testing.T) {
	if _, err := exec.LookPath("/bin/sh"); err != nil {
		t.Skip("no /bin/sh to run a credential_process with")
	}
	env := credEnv(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "creds.sh")
	writeTemp(t, script, "#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS\", \"SecretAccessKey\": \""+processSecret+"\"}'\n", 0o700)
	writeTemp(t, env["AWS_CONFIG_FILE"], "[default]\ncredential_process = "+script+"\n", 0o600)
	wantKey(t, env, "AKIDPROCESS")

	// Output that is not the credentials JSON stays out of the error.
	bad := filepath.Join(dir, "bad.sh")
	writeTemp(t, bad, "#!/bin/sh\necho 'AccessKeyId=AKIDPROCESS SecretAccessKey="+processSecret+"'\n", 0o700)
	writeTemp(t, env["AWS_CONFIG_FILE"], "[default]\ncredential_process = "+bad+"\n", 0o600)
	wantErr(t, env, "credential_process")
}

func TestCredentialsRefused(t *testing.T) {
	tests := []struct {
		name, config string
		want         []string
	}{
		{"sso session", "[default]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = dev\n[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
			[]string{"SSO and `aws login` profiles are for a person at a terminal", "access keys", "instance or task role", "web identity", "assume-role profile"}},
		{"legacy sso", "[default]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 1\nsso_role_name = dev\n",
			[]string{"person at a terminal"}},
		{"aws login", "[default]\nlogin_session = arn:aws:iam::1:user/me\n", []string{"person at a terminal"}},
		{"role with SSO source", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = sso\n[profile sso]\nsso_session = corp\n",
			[]string{`profile "sso"`, "person at a terminal"}},
		{"MFA", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\n[profile base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = " + profileSecret + "\n",
			[]string{"MFA", "no one"}},
		{"role without source", "[default]\nrole_arn = arn:aws:iam::1:role/r\n", []string{"role_arn needs"}},
		{"source without role", "[default]\nsource_profile = base\n", []string{"source_profile needs role_arn"}},
		{"source loop", "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = a\n[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = default\n",
			[]string{"loops"}},
		{"partial keys", "[default]\naws_secret_access_key = " + profileSecret + "\n", []string{"aws_access_key_id"}},
		{"bad credential_source", "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Cloud\n", []string{"Ec2InstanceMetadata"}},
		{"two sources", "[default]\nrole_arn = arn:aws:iam::1:role/r\ncredential_source = Environment\ncredential_process = /bin/true\n", []string{"only one"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := credEnv(t)
			writeTemp(t, env["AWS_CONFIG_FILE"], tt.config, 0o600)
			wantErr(t, env, tt.want...)
		})
	}
}

func TestCredentialsEnvironmentErrors(t *testing.T) {
	env := credEnv(t)
	env["AWS_WEB_IDENTITY_TOKEN_FILE"] = "/var/run/token"
	wantErr(t, env, "AWS_ROLE_ARN")

	env = credEnv(t)
	env["AWS_PROFILE"] = "nobody"
	wantErr(t, env, `"nobody"`)

	env = credEnv(t)
	env["AWS_SESSION_TOKEN"] = roleToken
	env["AWS_SECRET_ACCESS_KEY"] = envSecret
	wantErr(t, env, "AWS_ACCESS_KEY_ID")
}

func TestCredentialsNone(t *testing.T) {
	env := credEnv(t)
	cfg, err := awsConfig(func(k string) string { return env[k] })
	if err != nil || cfg.Credentials != nil {
		t.Fatalf("awsConfig() = %v, %v; want no credentials provider and no error", cfg.Credentials, err)
	}
	// A default profile with only a region holds no credentials either.
	writeTemp(t, env["AWS_CONFIG_FILE"], "[default]\nregion = eu-north-1\n", 0o600)
	cfg, err = awsConfig(func(k string) string { return env[k] })
	if err != nil || cfg.Credentials != nil {
		t.Fatalf("awsConfig() = %v, %v; want no credentials provider and no error", cfg.Credentials, err)
	}
	if _, err := FromEnv(t.Context(), func(k string) string { return env[k] }); !errors.Is(err, providers.ErrAuth) {
		t.Errorf("FromEnv() error = %v, want ErrAuth", err)
	}
}

func TestRetrySettings(t *testing.T) {
	env := credEnv(t)
	env["AWS_MAX_ATTEMPTS"] = "5"
	writeTemp(t, env["AWS_CONFIG_FILE"], "[default]\nmax_attempts = 2\nretry_mode = adaptive\n", 0o600)
	cfg, err := awsConfig(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.RetryMaxAttempts != 5 || cfg.RetryMode != "adaptive" {
		t.Errorf("retries = %d, %q; want AWS_MAX_ATTEMPTS's 5 and the profile's adaptive", cfg.RetryMaxAttempts, cfg.RetryMode)
	}
	env["AWS_MAX_ATTEMPTS"] = "many"
	if _, err := awsConfig(func(k string) string { return env[k] }); err == nil {
		t.Error("awsConfig() with AWS_MAX_ATTEMPTS=many: no error")
	}
}
