package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/config"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/bolt"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
	"go.yaml.in/yaml/v3"
)

// TestRunWithEtcdStore runs `spuffbot run` with SPUFF_STORE naming an
// etcd server: the records go to etcd (no bbolt file appears), /readyz
// turns ready with etcd reachable, the replica leads, and a shutdown gives the leadership up
// at once rather than when its lease expires.
func TestRunWithEtcdStore(t *testing.T) {
	endpoints := etcdtest.Start(t)
	slack := slacktest.New()
	defer slack.Close()
	addr := freeAddr(t)
	dbFile := filepath.Join(t.TempDir(), "spuff.db")
	storeURL := "etcd://" + strings.Join(endpoints, ",") + "?prefix=/run-test/&lease=5s"
	env := map[string]string{
		"SLACK_API_URL": slack.APIURL(), "SLACK_APP_TOKEN": slack.AppToken(), "SLACK_BOT_TOKEN": slack.BotToken(),
		"SPUFF_STORE": storeURL, "SPUFF_DB": dbFile, "SPUFF_LISTEN": addr, "SPUFF_DEMO_READY_AFTER": "10ms",
	}
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, func(k string) string { return env[k] }, strings.NewReader(""), io.Discard, io.Discard)
	}()

	base := "http://" + addr
	testsync.Until(t, "/readyz to turn ready", func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK })
	id, err := slack.SendSlashCommand(ctx, slacktest.SlashCommand{Text: "up devbox"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := slack.WaitAck(ctx, id); err != nil {
		t.Fatal(err)
	}

	cfg, err := etcdstore.ParseURL(storeURL)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ID = "observer"
	st, err := etcdstore.Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	testsync.Until(t, "devbox ready in etcd", func() bool {
		in, err := st.GetInstance(ctx, "devbox")
		return err == nil && in.Status == store.InstanceReady
	})
	testsync.Until(t, "the replica to lead", func() bool { id, err := st.Leader(ctx); return err == nil && id != "" })

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after shutdown = %v, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
	// Well within the 5s lease: the stopped replica resigned.
	if id, err := st.Leader(context.Background()); err != nil || id != "" {
		t.Errorf("Leader() after shutdown = %q, %v, want none", id, err)
	}
	if _, err := os.Stat(dbFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the bbolt file exists with SPUFF_STORE set (stat: %v)", err)
	}
}

func TestOpenStore(t *testing.T) {
	cfg := config.Default()
	cfg.Database = filepath.Join(t.TempDir(), "spuff.db")
	tests := []struct {
		name, store string
		want        string // in the error; "" means it opens
	}{
		{name: "unset: the bbolt file", store: ""},
		{name: "another scheme", store: "https://root:hunter2@etcd:2379", want: "SPUFF_STORE: want etcd://"},
		{name: "a password", store: "etcd://root:hunter2@etcd:2379", want: "SPUFF_STORE"},
		{name: "a bad lease", store: "etcd://etcd:2379?lease=5ms", want: "lease"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := openStore(t.Context(), cfg, func(k string) string {
				if k == envStore {
					return tt.store
				}
				return ""
			})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("openStore(%q) = %v, want a store", tt.store, err)
				}
				if _, ok := db.(*bolt.DB); !ok {
					t.Errorf("openStore(%q) = %T, want *bolt.DB", tt.store, db)
				}
				if err := db.Close(); err != nil {
					t.Error(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("openStore(%q) = %v, want an error containing %q", tt.store, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("openStore(%q) error %q repeats the password", tt.store, err)
			}
		})
	}
}

// manifest is the part of a Kubernetes object the example's test reads.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data map[string]string `yaml:"data"`
	Spec struct {
		Replicas    int    `yaml:"replicas"`
		ServiceName string `yaml:"serviceName"`
		Template    struct {
			Spec struct {
				SecurityContext struct {
					RunAsNonRoot bool `yaml:"runAsNonRoot"`
				} `yaml:"securityContext"`
				Containers []struct {
					Env []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					Ports []struct {
						Name          string `yaml:"name"`
						ContainerPort int    `yaml:"containerPort"`
					} `yaml:"ports"`
					LivenessProbe  probe `yaml:"livenessProbe"`
					ReadinessProbe probe `yaml:"readinessProbe"`
					VolumeMounts   []struct {
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
					SecurityContext struct {
						ReadOnlyRootFilesystem bool `yaml:"readOnlyRootFilesystem"`
					} `yaml:"securityContext"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

// readManifests decodes every object of a multi-document YAML file, by
// kind and name.
func readManifests(t *testing.T, path string) map[string]manifest {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]manifest{}
	dec := yaml.NewDecoder(f)
	for {
		var m manifest
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return out
		} else if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out[m.Kind+"/"+m.Metadata.Name] = m
	}
}

// TestKubernetesExample checks that deploy/kubernetes holds a deployment
// spuffbot accepts: its configuration loads, SPUFF_STORE names every
// member of the etcd it ships, the token files are where the Secret is
// mounted and the probes reach the health server.
func TestKubernetesExample(t *testing.T) {
	bot := readManifests(t, "deploy/kubernetes/spuffbot.yaml")
	etcd := readManifests(t, "deploy/kubernetes/etcd.yaml")
	dep, ok := bot["Deployment/spuffbot"]
	if !ok || len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("spuffbot.yaml has no Deployment spuffbot with one container")
	}
	if dep.Spec.Replicas != 3 {
		t.Errorf("replicas = %d, want 3", dep.Spec.Replicas)
	}
	c := dep.Spec.Template.Spec.Containers[0]
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}

	cfgFile := filepath.Join(t.TempDir(), "spuffbot.yaml")
	if err := os.WriteFile(cfgFile, []byte(bot["ConfigMap/spuffbot"].Data["spuffbot.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgFile, func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the ConfigMap's configuration does not load: %v", err)
	}

	sc, err := etcdstore.ParseURL(env["SPUFF_STORE"])
	if err != nil {
		t.Fatalf("SPUFF_STORE: %v", err)
	}
	members := etcd["StatefulSet/etcd"]
	var want []string
	for i := range members.Spec.Replicas {
		want = append(want, fmt.Sprintf("etcd-%d.%s:2379", i, members.Spec.ServiceName))
	}
	if strings.Join(sc.Endpoints, ",") != strings.Join(want, ",") {
		t.Errorf("SPUFF_STORE endpoints = %v, want every etcd member %v", sc.Endpoints, want)
	}

	mounted := func(path string) bool {
		for _, m := range c.VolumeMounts {
			if strings.HasPrefix(path, m.MountPath+"/") {
				return true
			}
		}
		return false
	}
	for _, name := range []string{"SLACK_APP_TOKEN_FILE", "SLACK_BOT_TOKEN_FILE", "SPUFF_CONFIG"} {
		if !mounted(env[name]) {
			t.Errorf("%s = %q is not under a mounted volume", name, env[name])
		}
	}
	if len(c.Ports) != 1 || ":"+fmt.Sprint(c.Ports[0].ContainerPort) != cfg.Listen {
		t.Errorf("container ports %+v do not match listen %q", c.Ports, cfg.Listen)
	}
	for _, p := range []struct {
		probe probe
		path  string
	}{{c.LivenessProbe, "/healthz"}, {c.ReadinessProbe, "/readyz"}} {
		if p.probe.HTTPGet.Path != p.path || len(c.Ports) == 0 || p.probe.HTTPGet.Port != c.Ports[0].Name {
			t.Errorf("probe %+v, want GET %s on the health server's port", p.probe.HTTPGet, p.path)
		}
	}
	if !dep.Spec.Template.Spec.SecurityContext.RunAsNonRoot || !c.SecurityContext.ReadOnlyRootFilesystem {
		t.Errorf("the pod may run as root or write its root filesystem")
	}
}
