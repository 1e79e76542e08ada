package bot

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/bot/slacktest"
	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

// clusterTTL is the lease of the replicas' claims and leadership.
const clusterTTL = time.Second

// cluster is several spuffbot replicas, each a Bot and a Service with its
// own Socket Mode connection to one fake Slack and its own client of one
// real etcd, sharing one demo cloud: a deployment with replicas: N.
type cluster struct {
	t         *testing.T
	ctx       context.Context
	slack     *slacktest.Server
	demo      *demo.Provider
	endpoints []string
	logs      *testsync.Buffer
	svcCfg    commands.Config
}

// member is one replica of a cluster.
type member struct {
	id    string
	st    *etcdstore.Store
	svc   *commands.Service
	bot   *Bot
	cloud *mortal
	dead  atomic.Bool
	stop  func() // ends Run and Background and waits for them
}

func newCluster(t *testing.T, svcCfg commands.Config) *cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 45*time.Second) // a broken test fails instead of hanging
	t.Cleanup(cancel)
	c := &cluster{
		t: t, ctx: ctx, slack: slacktest.New(), endpoints: etcdtest.Start(t), logs: &testsync.Buffer{},
		demo:   demo.New(demo.Config{ReadyAfter: 5 * time.Millisecond, PollInterval: 5 * time.Millisecond}),
		svcCfg: svcCfg,
	}
	if c.svcCfg.PollInterval == 0 {
		c.svcCfg.PollInterval = 5 * time.Millisecond
	}
	if c.svcCfg.MaxInstancesPerUser == 0 {
		c.svcCfg.MaxInstancesPerUser = -1
	}
	c.svcCfg.ReapEvery = 20 * time.Millisecond
	c.svcCfg.ReconcileEvery = time.Hour
	c.svcCfg.HA.ResumeEvery = 50 * time.Millisecond
	t.Cleanup(func() {
		c.slack.Close()
		if t.Failed() {
			t.Logf("replica logs:\n%s", c.logs.String())
		}
	})
	return c
}

// start starts a replica called id and waits until Slack has its
// connection.
func (c *cluster) start(id string) *member {
	c.t.Helper()
	before := c.slack.Connections()
	st, err := etcdstore.Open(c.ctx, etcdstore.Config{Endpoints: c.endpoints, ID: id, LeaseTTL: clusterTTL})
	if err != nil {
		c.t.Fatalf("etcdstore.Open: %v", err)
	}
	logger := slog.New(slog.NewTextHandler(c.logs, &slog.HandlerOptions{Level: slog.LevelDebug})).With("replica", id)
	m := &member{id: id, st: st, cloud: &mortal{Provider: c.demo}}
	cfg := c.svcCfg
	cfg.Logger = logger
	m.svc = commands.New(cfg, st, map[string]providers.Provider{"demo": m.cloud}, nil)
	m.svc.Warm(c.ctx)
	b := New(Config{
		AppToken: secret.New(c.slack.AppToken()), BotToken: secret.New(c.slack.BotToken()),
		APIURL: c.slack.APIURL(), Logger: logger,
	}, m.svc)
	m.bot = b
	// A dead replica tells nobody anything.
	m.svc.Subscribe(commands.NotifierFunc(func(ctx context.Context, ev commands.Event) {
		if !m.dead.Load() {
			b.Notify(ctx, ev)
		}
	}))

	ctx, cancel := context.WithCancel(c.ctx)
	ran, background := make(chan error, 1), make(chan struct{})
	go func() { ran <- m.bot.Run(ctx) }()
	go func() { m.svc.Background(ctx); close(background) }()
	var stopped atomic.Bool
	m.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		if err := <-ran; err != nil {
			c.t.Errorf("replica %s: Run = %v, want nil after cancel", id, err)
		}
		<-background
	}
	c.t.Cleanup(func() {
		m.stop()
		m.svc.Wait()
		if err := m.bot.Drain(context.Background()); err != nil {
			c.t.Errorf("replica %s: Drain = %v", id, err)
		}
		_ = st.Close()
	})
	if err := c.slack.WaitConnected(c.ctx, before+1); err != nil {
		c.t.Fatalf("replica %s never connected: %v", id, err)
	}
	return m
}

// kill ends m as a crash would: its cloud calls fail, its etcd connection
// drops with its lease left to expire (no resignation, no release), and
// its Socket Mode connection closes, so that Slack sends to the others.
func (m *member) kill(t *testing.T) {
	t.Helper()
	m.dead.Store(true)
	m.cloud.kill()
	_ = m.st.Client().Close()
	m.stop()
}

// live returns the instances the store has as live.
func (c *cluster) live(m *member) []store.Instance {
	c.t.Helper()
	live, err := m.st.ListInstances(c.ctx, store.InstanceFilter{LiveOnly: true})
	if err != nil {
		c.t.Fatalf("ListInstances = %v", err)
	}
	return live
}

// atCloud returns how many spuff VMs the demo cloud runs.
func (c *cluster) atCloud() int {
	c.t.Helper()
	list, err := c.demo.ListInstances(c.ctx)
	if err != nil {
		c.t.Fatalf("demo ListInstances = %v", err)
	}
	return len(list)
}

// settled waits until the journal holds no unfinished operation.
func (c *cluster) settled(m *member) {
	c.t.Helper()
	c.waitFor("every operation finished", func() bool {
		ops, err := m.st.ListOperations(c.ctx, true)
		return err == nil && len(ops) == 0
	})
}

// waitFor waits for cond within the cluster's own deadline, which every
// call of its replicas shares.
func (c *cluster) waitFor(what string, cond func() bool) {
	c.t.Helper()
	if err := testsync.Poll(c.ctx, cond); err != nil {
		c.t.Fatalf("waiting for %s: %v", what, err)
	}
}

// unjournaled counts the commands replica id left unacknowledged because
// it could not journal them.
func (c *cluster) unjournaled(id string) int {
	n := 0
	for line := range strings.SplitSeq(c.logs.String(), "\n") {
		if strings.Contains(line, "command not journaled") && strings.Contains(line, "replica="+id) {
			n++
		}
	}
	return n
}

// mortal is a replica's view of the shared cloud: once killed, every call
// fails, as a dead process makes none.
type mortal struct {
	providers.Provider
	dead atomic.Bool
}

func (p *mortal) kill() { p.dead.Store(true) }

func (p *mortal) check(op string) error {
	if p.dead.Load() {
		return &providers.Error{Provider: "demo", Op: op, Kind: providers.ErrAuth, Message: "the replica is dead"}
	}
	return nil
}

func (p *mortal) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	if err := p.check("create instance"); err != nil {
		return nil, err
	}
	return p.Provider.CreateInstance(ctx, req)
}

func (p *mortal) DestroyInstance(ctx context.Context, id string) error {
	if err := p.check("destroy instance"); err != nil {
		return err
	}
	return p.Provider.DestroyInstance(ctx, id)
}

func (p *mortal) GetInstance(ctx context.Context, id string) (*providers.Instance, error) {
	if err := p.check("get instance"); err != nil {
		return nil, err
	}
	return p.Provider.GetInstance(ctx, id)
}

func (p *mortal) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	if err := p.check("list instances"); err != nil {
		return nil, err
	}
	return p.Provider.ListInstances(ctx)
}

func (p *mortal) WaitReady(ctx context.Context, id string) (*providers.Instance, error) {
	if err := p.check("wait for instance"); err != nil {
		return nil, err
	}
	return p.Provider.WaitReady(ctx, id)
}

// slash sends "/spuff text" as user with a trigger id of the test's
// choosing, so that it can be redelivered, and returns the envelope id.
func (c *cluster) slash(user, text, trigger string, attempt int) string {
	c.t.Helper()
	id, err := c.slack.SendSlashCommand(c.ctx, slacktest.SlashCommand{UserID: user, Text: text,
		EnvelopeID: "env-" + trigger, TriggerID: trigger, RetryAttempt: attempt})
	if err != nil {
		c.t.Fatal(err)
	}
	return id
}

func userID(i int) string { return fmt.Sprintf("U0USER%02d", i) }
