package aws_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/providertest"
)

// isolateAWSEnv clears the process's AWS variables and points the shared
// files at empty ones, so that FromEnv sees only the test's env map.
func isolateAWSEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL",
		"AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_STS", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	// FromEnv falls back to the user's home directory when env has no
	// HOME: keep ~/.aws out of reach.
	t.Setenv("HOME", t.TempDir())
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_CONFIG_FILE", empty)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", empty)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

func mapEnv(m map[string]string) providers.Env { return func(k string) string { return m[k] } }

// baseEnv is a complete environment for emu.
func baseEnv(emu *providertest.EC2) map[string]string {
	return map[string]string{
		"AWS_REGION":                "eu-central-1",
		"AWS_ACCESS_KEY_ID":         testKeyID,
		"AWS_SECRET_ACCESS_KEY":     testSecret,
		"AWS_ENDPOINT_URL_EC2":      emu.URL,
		"AWS_EC2_METADATA_DISABLED": "true",
		"SPUFF_AWS_POLL_INTERVAL":   "1ms",
	}
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFromEnv(t *testing.T) {
	isolateAWSEnv(t)
	tests := []struct {
		name   string
		edit   func(env map[string]string, emu *providertest.EC2)
		keyID  string // the access key id EC2 must see
		region string
	}{
		{"keys and EC2 endpoint", func(map[string]string, *providertest.EC2) {}, testKeyID, "eu-central-1"},
		{"generic endpoint", func(env map[string]string, emu *providertest.EC2) {
			delete(env, "AWS_ENDPOINT_URL_EC2")
			env["AWS_ENDPOINT_URL"] = emu.URL
		}, testKeyID, "eu-central-1"},
		{"default region variable", func(env map[string]string, _ *providertest.EC2) {
			delete(env, "AWS_REGION")
			env["AWS_DEFAULT_REGION"] = "ap-southeast-1"
		}, testKeyID, "ap-southeast-1"},
		{"secret from file", func(env map[string]string, _ *providertest.EC2) {
			delete(env, "AWS_SECRET_ACCESS_KEY")
			env["AWS_SECRET_ACCESS_KEY_FILE"] = writeFile(t, "secret", testSecret+"\n")
		}, testKeyID, "eu-central-1"},
		{"profile in the shared files", func(env map[string]string, _ *providertest.EC2) {
			for _, k := range []string{"AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
				delete(env, k)
			}
			env["AWS_PROFILE"] = "spuff"
			env["AWS_CONFIG_FILE"] = writeFile(t, "config", "[profile spuff]\nregion = us-west-2\n")
			env["AWS_SHARED_CREDENTIALS_FILE"] = writeFile(t, "credentials",
				"[spuff]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profilesecret\n")
		}, "AKIDPROFILE", "us-west-2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			emu := providertest.NewEC2()
			defer emu.Close()
			emu.RequireAccessKey(tt.keyID)
			env := baseEnv(emu)
			tt.edit(env, emu)
			p, err := aws.FromEnv(t.Context(), mapEnv(env))
			if err != nil {
				t.Fatalf("FromEnv() error = %v", err)
			}
			in, err := p.CreateInstance(t.Context(), providers.InstanceRequest{Name: "box", Size: "t3.micro"})
			if err != nil {
				t.Fatalf("CreateInstance() error = %v", err)
			}
			if in.Region != tt.region {
				t.Errorf("CreateInstance().Region = %q, want %q", in.Region, tt.region)
			}
			if got := emu.Instances(); len(got) != 1 || got[0].Region != tt.region {
				t.Errorf("emulator instances = %+v, want one in %s", got, tt.region)
			}
		})
	}
}

func TestFromEnvSSHCIDR(t *testing.T) {
	isolateAWSEnv(t)
	emu := providertest.NewEC2()
	defer emu.Close()
	env := baseEnv(emu)
	env[aws.EnvSSHCIDR] = "192.0.2.0/24"
	p, err := aws.FromEnv(t.Context(), mapEnv(env))
	if err != nil {
		t.Fatalf("FromEnv() error = %v", err)
	}
	if _, err := p.CreateInstance(t.Context(), providers.InstanceRequest{Name: "box", Size: "t3.micro"}); err != nil {
		t.Fatalf("CreateInstance() error = %v", err)
	}
	for _, g := range emu.SecurityGroups() {
		if g.Name == aws.SecurityGroupName && (len(g.Ingress) != 1 || g.Ingress[0].CIDR != "192.0.2.0/24") {
			t.Errorf("spuff group ingress = %+v, want SSH from 192.0.2.0/24", g.Ingress)
		}
	}
}

func TestFromEnvErrors(t *testing.T) {
	isolateAWSEnv(t)
	tests := []struct {
		name string
		edit func(env map[string]string)
	}{
		{"no region", func(env map[string]string) { delete(env, "AWS_REGION") }},
		{"key id without secret", func(env map[string]string) { delete(env, "AWS_SECRET_ACCESS_KEY") }},
		{"secret without key id", func(env map[string]string) { delete(env, "AWS_ACCESS_KEY_ID") }},
		{"unreadable secret file", func(env map[string]string) {
			delete(env, "AWS_SECRET_ACCESS_KEY")
			env["AWS_SECRET_ACCESS_KEY_FILE"] = filepath.Join(t.TempDir(), "missing")
		}},
		{"unknown profile", func(env map[string]string) { env["AWS_PROFILE"] = "nobody" }},
		{"SSO profile", func(env map[string]string) {
			delete(env, "AWS_ACCESS_KEY_ID")
			delete(env, "AWS_SECRET_ACCESS_KEY")
			env["AWS_CONFIG_FILE"] = writeFile(t, "config", "[default]\nsso_session = corp\n")
		}},
		{"no credentials", func(env map[string]string) {
			delete(env, "AWS_ACCESS_KEY_ID")
			delete(env, "AWS_SECRET_ACCESS_KEY")
		}},
		{"bad poll interval", func(env map[string]string) { env["SPUFF_AWS_POLL_INTERVAL"] = "soon" }},
		{"bad SSH CIDR", func(env map[string]string) { env[aws.EnvSSHCIDR] = "anywhere" }},
	}
	emu := providertest.NewEC2()
	defer emu.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := baseEnv(emu)
			tt.edit(env)
			p, err := aws.FromEnv(t.Context(), mapEnv(env))
			if err == nil {
				t.Fatalf("FromEnv(%s) = %v, nil, want an error", tt.name, p)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Errorf("FromEnv(%s) error %q holds the secret", tt.name, err)
			}
		})
	}
}

func TestFromEnvBadCredentials(t *testing.T) {
	isolateAWSEnv(t)
	emu := providertest.NewEC2()
	defer emu.Close()
	emu.RequireAccessKey("AKIDTHERIGHTONE")
	p, err := aws.FromEnv(t.Context(), mapEnv(baseEnv(emu)))
	if err != nil {
		t.Fatalf("FromEnv() error = %v", err)
	}
	_, err = p.Catalog(t.Context())
	if !errors.Is(err, providers.ErrAuth) {
		t.Fatalf("Catalog() error = %v, want ErrAuth", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "AWS_ACCESS_KEY_ID") || strings.Contains(msg, testSecret) {
		t.Errorf("Catalog() error = %q, want it to name AWS_ACCESS_KEY_ID and not the secret", msg)
	}
}
