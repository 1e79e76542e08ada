package main

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// console runs `spuffbot console` with input and env, and returns stdout.
func runConsoleT(t *testing.T, env map[string]string, input string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	err := run(ctx, append([]string{"console"}, args...), getenv, strings.NewReader(input), &out, &errOut)
	if errOut.Len() > 0 {
		t.Logf("stderr: %s", errOut.String())
	}
	return out.String(), err
}

var ipLine = regexp.MustCompile(`ready: 203\.0\.113\.\d+ — ssh dev@203\.0\.113\.\d+`)

func TestConsoleLifecycle(t *testing.T) {
	db := filepath.Join(t.TempDir(), "spuff.db")
	env := map[string]string{"SPUFF_DEMO_READY_AFTER": "10ms"}

	out, err := runConsoleT(t, env, "/spuff up devbox\n/spuff list\n", "--user", "alice", "--db", db)
	if err != nil {
		t.Fatalf("console as alice: %v", err)
	}
	if !ipLine.MatchString(out) {
		t.Errorf("up output has no ready line with an IP in 203.0.113.0/24:\n%s", out)
	}
	if !regexp.MustCompile(`devbox\s+alice\s+ready\s+203\.0\.113\.`).MatchString(out) {
		t.Errorf("list does not show alice's ready instance:\n%s", out)
	}

	out, err = runConsoleT(t, env, "/spuff down devbox\nupp\n/spuff list --all\n", "--user", "bob", "--db", db)
	if err != nil {
		t.Fatalf("console as bob: %v", err)
	}
	for _, want := range []string{"`devbox` belongs to @alice", "unknown command `upp` — did you mean `up`?", "devbox"} {
		if !strings.Contains(out, want) {
			t.Errorf("bob's output lacks %q:\n%s", want, out)
		}
	}

	out, err = runConsoleT(t, env, "down devbox\nlist\n", "--user", "alice", "--db", db)
	if err != nil {
		t.Fatalf("console as alice: %v", err)
	}
	for _, want := range []string{"[devbox] destroyed by @alice", "You have no instances"} {
		if !strings.Contains(out, want) {
			t.Errorf("alice's down output lacks %q:\n%s", want, out)
		}
	}
}

func TestConsoleDatabaseInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spuff.db")
	db, err := bolt.Open(path, bolt.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = runConsoleT(t, nil, "list\n", "--db", path)
	if !errors.Is(err, store.ErrInUse) || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second console on a held database: err = %v, want an in-use error", err)
	}
}

func TestConsoleCloudEmulators(t *testing.T) {
	do := providertest.NewDigitalOcean()
	defer do.Close()
	do.RequireToken("do-token")
	hz := providertest.NewHetzner()
	defer hz.Close()
	hz.RequireToken("hz-token")
	ec2 := providertest.NewEC2()
	defer ec2.Close()
	ec2.RequireAccessKey("AKIDSPUFFTEST")

	for _, tc := range []struct {
		provider string
		env      map[string]string
	}{
		{"digitalocean", map[string]string{"DIGITALOCEAN_TOKEN": "do-token", "DIGITALOCEAN_API_URL": do.URL}},
		{"hetzner", map[string]string{"HCLOUD_TOKEN": "hz-token", "HCLOUD_ENDPOINT": hz.Endpoint()}},
		{"aws", map[string]string{"AWS_ACCESS_KEY_ID": "AKIDSPUFFTEST", "AWS_SECRET_ACCESS_KEY": "secret",
			"AWS_REGION": "eu-central-1", "AWS_ENDPOINT_URL_EC2": ec2.URL, "AWS_EC2_METADATA_DISABLED": "true",
			"SPUFF_AWS_POLL_INTERVAL": "50ms"}},
	} {
		t.Run(tc.provider, func(t *testing.T) {
			tc.env["SPUFF_PROVIDER"] = tc.provider
			db := filepath.Join(t.TempDir(), "spuff.db")
			out, err := runConsoleT(t, tc.env, "up box1\nlist\ndown box1\n", "--user", "carol", "--db", db)
			if err != nil {
				t.Fatalf("console: %v", err)
			}
			for _, want := range []string{"[box1] ready: ", "ssh dev@", "[box1] destroyed by @carol"} {
				if !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
			}
		})
	}
}

func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args    []string
		wantErr error
		want    string
	}{
		{nil, errUsage, "Usage:"},
		{[]string{"frobnicate"}, errUsage, `unknown command "frobnicate"`},
		{[]string{"console", "--bogus"}, errUsage, "flag provided but not defined"},
		{[]string{"version"}, nil, "spuffbot dev"},
	} {
		var out bytes.Buffer
		err := run(context.Background(), tc.args, func(string) string { return "" }, strings.NewReader(""), &out, &out)
		if !errors.Is(err, tc.wantErr) || !strings.Contains(out.String(), tc.want) {
			t.Errorf("run(%q) = %v, output %q; want %v and %q", tc.args, err, out.String(), tc.wantErr, tc.want)
		}
	}
}
