package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spuffbot/spuffbot/commands"
	"github.com/spuffbot/spuffbot/config"
	"github.com/spuffbot/spuffbot/metrics"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/store/bolt"
	"github.com/spuffbot/spuffbot/store/etcdstore"
)

// registry lists the clouds this binary was built with: each package
// imported in clouds.go registers itself.
func registry() *providers.Registry { return providers.Registered() }

// database is the store as the process uses it: what the Service needs,
// plus the readiness check and shutdown. *bolt.DB (one replica, a bbolt
// file) and *etcdstore.Store (several replicas sharing etcd) are one.
type database interface {
	commands.Store
	Ping(ctx context.Context) error
	Close() error
}

// envStore names the variable that selects the store: an etcd address
// (etcd://host:2379,host2:2379, etcds:// for TLS; see etcdstore.ParseURL)
// for several replicas, or unset for the bbolt file at SPUFF_DB.
const envStore = "SPUFF_STORE"

// app is everything below a front end: configuration, store, providers.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	db      database
	provs   map[string]providers.Provider
	metrics *metrics.Metrics // nil: no metrics
}

// loadConfig reads the configuration file (path, or SPUFF_CONFIG when path
// is empty) and the environment.
func loadConfig(path string, getenv func(string) string) (*config.Config, error) {
	if path == "" {
		path = getenv(config.EnvFile)
	}
	return config.Load(path, getenv)
}

// open opens the store and builds the enabled providers. It does no network
// I/O: credentials are checked on the first cloud call.
func open(ctx context.Context, cfg *config.Config, getenv func(string) string, logOut io.Writer, m *metrics.Metrics) (*app, error) {
	a := &app{cfg: cfg, log: slog.New(cfg.LogHandler(logOut)), metrics: m, provs: make(map[string]providers.Provider)}
	env := providerEnv(cfg, getenv)
	reg := registry()
	for _, name := range cfg.EnabledClouds() {
		p, err := reg.New(ctx, name, env)
		if err != nil {
			return nil, err
		}
		a.provs[name] = m.Instrument(p)
	}
	db, err := openStore(ctx, cfg, getenv)
	if err != nil {
		return nil, err
	}
	a.db = db
	keepDemoState(a) // demo_state.go
	return a, nil
}

// openStore opens the store SPUFF_STORE names, or the bbolt file
// cfg.Database when it is unset. An etcd store is reached at once: Open
// fails when no member answers.
func openStore(ctx context.Context, cfg *config.Config, getenv func(string) string) (database, error) {
	addr := strings.TrimSpace(getenv(envStore))
	if addr == "" {
		db, err := bolt.Open(cfg.Database, bolt.Options{})
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	scheme, _, _ := strings.Cut(strings.ToLower(addr), "://")
	if scheme != "etcd" && scheme != "etcds" {
		// The value is not repeated: a mistyped address may hold a password.
		return nil, fmt.Errorf("%s: want etcd://host:2379 or etcds://host:2379 (unset: the bbolt file %s)", envStore, cfg.Database)
	}
	ecfg, err := etcdstore.ParseURL(addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envStore, err)
	}
	st, err := etcdstore.Open(ctx, ecfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envStore, err)
	}
	return st, nil
}

// providerEnv lets each cloud's own settings (providers.Setting) from the
// configuration file reach the provider constructors, which read the
// environment; a variable that is set wins.
func providerEnv(cfg *config.Config, getenv func(string) string) providers.Env {
	file := map[string]string{}
	for _, rc := range registry().Clouds() {
		cl := cfg.Cloud(rc.Name)
		if cl == nil {
			continue
		}
		for _, s := range rc.Settings {
			file[s.Env] = cl.Settings[s.Key]
		}
	}
	return func(key string) string {
		if v := getenv(key); v != "" {
			return v
		}
		return file[key]
	}
}

// service builds the commands.Service that front ends run commands with;
// the front end subscribes to it (Service.Subscribe) once built over it.
func (a *app) service() *commands.Service {
	p := a.cfg.Policy
	max := p.MaxInstancesPerUser
	if max == 0 {
		max = -1 // the file's 0 means no cap
	}
	defaults := make(map[string]commands.Defaults)
	for _, name := range a.cfg.EnabledClouds() {
		c := a.cfg.Cloud(name)
		defaults[name] = commands.Defaults{Size: c.Size, Region: c.Region, Image: c.Image,
			AllowedSizes: c.AllowedSizes, AllowedRegions: c.AllowedRegions}
	}
	channels := make(map[string]commands.ChannelPolicy, len(p.Channels))
	for id, cp := range p.Channels {
		channels[id] = commands.ChannelPolicy{Clouds: cp.Clouds, Sizes: cp.Sizes}
	}
	return commands.New(commands.Config{
		DefaultProvider:     a.cfg.Clouds.Default,
		Defaults:            defaults,
		Admins:              p.Admins,
		Approvers:           p.Approvers,
		ApprovalAbove:       p.ApprovalAbove,
		ApprovalExpiry:      p.ApprovalExpiry,
		AllowedChannels:     p.AllowedChannels,
		MaxInstancesPerUser: max,
		DefaultLease:        p.DefaultLease,
		MaxLease:            p.MaxLease,
		WarnBefore:          p.WarnBefore,
		ReconcileEvery:      p.ReconcileEvery,
		OrphanGrace:         p.OrphanGrace,
		CreateTimeout:       p.CreateTimeout,
		BootTimeout:         p.BootTimeout,
		JournalRetention:    a.cfg.Store.JournalRetention,
		AuditRetention:      a.cfg.Store.AuditRetention,
		CloudInit:           a.cfg.CloudInit,
		Channels:            channels,
		Budget:              commands.Budget{MonthlyUSD: p.MonthlyBudgetPerUser, Approve: p.OverBudget == config.OverBudgetApprove},
		Logger:              a.log,
		AllowedImages:       a.cfg.Images.Allowed,
		SSHProbe:            sshProber(a.cfg.SSH),
		Idle:                idlePolicy(a.cfg),   // idle_wiring.go
		IdleChannels:        idleChannels(a.cfg), // idle_wiring.go
	}, a.db, a.provs, nil)
}

func (a *app) close() {
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			a.log.Error("close database", "err", err)
		}
	}
}

// overrideCloud makes name the default cloud and enables it, as the
// console's --provider flag does.
func overrideCloud(cfg *config.Config, name string) error {
	c := cfg.Cloud(name)
	if c == nil {
		return fmt.Errorf("unknown provider %q (known: %v)", name, config.KnownClouds())
	}
	cfg.Clouds.Default, c.Enabled = name, true
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
