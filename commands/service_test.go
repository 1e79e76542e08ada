package commands

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

func TestNewDefaults(t *testing.T) {
	t.Parallel()
	one := map[string]providers.Provider{"hetzner": demo.New(demo.Config{})}
	two := map[string]providers.Provider{"hetzner": demo.New(demo.Config{}), "demo": demo.New(demo.Config{})}
	tests := []struct {
		name  string
		cfg   Config
		provs map[string]providers.Provider
		want  string
	}{
		{"the only provider", Config{}, one, "hetzner"},
		{"several", Config{}, two, "demo"},
		{"configured", Config{DefaultProvider: "hetzner"}, two, "hetzner"},
	}
	for _, tt := range tests {
		s := New(tt.cfg, nil, tt.provs, nil)
		if s.cfg.DefaultProvider != tt.want {
			t.Errorf("%s: DefaultProvider = %q, want %q", tt.name, s.cfg.DefaultProvider, tt.want)
		}
	}
	s := New(Config{Admins: []string{root}}, nil, two, nil)
	if diff := cmp.Diff([]string{"demo", "hetzner"}, s.Providers()); diff != "" {
		t.Errorf("Providers() (-want +got):\n%s", diff)
	}
	if !s.IsAdmin(root) || s.IsAdmin(alice) {
		t.Errorf("IsAdmin disagrees with the config")
	}
	if s.cfg.MaxInstancesPerUser != 3 || s.cfg.DefaultLease != 8*time.Hour || s.cfg.MaxLease != 72*time.Hour || s.cfg.ApprovalExpiry != 4*time.Hour {
		t.Errorf("defaults = %+v", s.cfg)
	}
}

func TestListAndStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbList})
	if len(r.Instances) != 0 || r.Text == "" {
		t.Errorf("empty list = %+v, want a sentence", r)
	}
	e.up(caller(alice), "a1")
	e.up(caller(bob), "b1")
	e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "a2", Size: "xlarge"})
	e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "a2"})
	e.clock.Advance(2 * time.Hour)

	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbList})
	if len(r.Instances) != 1 || r.Instances[0].Name != "a1" {
		t.Fatalf("alice's list = %+v, want a1 only", r.Instances)
	}
	v := r.Instances[0]
	if v.ProviderLabel != "Demo cloud" || v.LeaseLeft != 6*time.Hour || math.Abs(v.SpendToDate-2*0.0074) > 1e-9 {
		t.Errorf("view = label %q lease left %v spend %v; want Demo cloud, 6h, %v", v.ProviderLabel, v.LeaseLeft, v.SpendToDate, 2*0.0074)
	}
	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbList, All: true})
	if len(r.Instances) != 2 {
		t.Errorf("list --all = %+v, want a1 and b1", r.Instances)
	}

	r = e.handle("", caller(mallory), grammar.Command{Verb: grammar.VerbStatus, Name: "b1"})
	if len(r.Instances) != 1 || r.Instances[0].Owner != bob || r.Instances[0].Status != store.InstanceReady {
		t.Errorf("status b1 = %+v, want bob's ready instance", r.Instances)
	}
	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbStatus, Name: "a2"})
	if r.Instances[0].Status != store.InstanceDestroyed || r.Instances[0].SpendToDate != 0 {
		t.Errorf("status a2 = %+v, want destroyed and no running spend", r.Instances[0])
	}
	ue := e.refused(caller(alice), grammar.Command{Verb: grammar.VerbStatus, Name: "nope"})
	wantContains(t, "Msg", ue.Msg, "`nope`")
}

func TestSizes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noWarm, withConfig(func(c *Config) {
		c.Defaults = map[string]Defaults{"demo": {Size: "medium", Region: "demo-us"}}
	}))
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSizes})
	if r.Followup == nil || r.Sizes != nil {
		t.Fatalf("sizes with a cold catalog = %+v, want a Followup", r)
	}
	r, err := r.Followup(e.ctx)
	if err != nil || r.Sizes == nil {
		t.Fatalf("Followup() = %+v, %v", r, err)
	}
	v := r.Sizes
	if v.Provider != "demo" || v.ProviderLabel != "Demo cloud" || v.DefaultSize != "medium" || v.DefaultRegion != "demo-us" || len(v.Regions) != 2 {
		t.Errorf("sizes view = %+v", v)
	}
	var slugs []string
	for _, s := range v.Sizes {
		slugs = append(slugs, s.Slug)
	}
	if diff := cmp.Diff([]string{"small", "medium", "large", "xlarge"}, slugs); diff != "" {
		t.Errorf("sizes, cheapest first (-want +got):\n%s", diff)
	}
	// Now cached: answered at once.
	if r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSizes}); r.Sizes == nil || r.Followup != nil {
		t.Errorf("sizes with a warm catalog = %+v, want the answer", r)
	}
	ue := e.refused(caller(alice), grammar.Command{Verb: grammar.VerbSizes, Provider: "aws"})
	wantContains(t, "Msg", ue.Msg, "`aws`")

	// The configured defaults are used by up.
	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"}); op.State != store.OpDone {
		t.Fatalf("up: %s (%s)", op.State, op.Error)
	}
	if in := e.instance("box"); in.Size != "medium" || in.Region != "demo-us" {
		t.Errorf("instance %s in %s, want the defaults medium in demo-us", in.Size, in.Region)
	}
}

func TestSizesCatalogDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noWarm)
	e.cloud.SetFailNext(demo.OpCatalog, &providers.Error{Provider: "demo", Op: "catalog", Kind: providers.ErrAuth, Hint: "check the token"})
	e.svc.Warm(e.ctx) // logs, does not fail
	_, err := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSizes}).Followup(e.ctx)
	if err != nil {
		t.Fatalf("Followup() after a failed Warm = %v, want a retry that works", err)
	}
	e2 := newEnv(t, noWarm)
	e2.cloud.SetFailNext(demo.OpCatalog, &providers.Error{Provider: "demo", Op: "catalog", Kind: providers.ErrAuth, Hint: "check the token"})
	_, err = e2.handle("", caller(alice), grammar.Command{Verb: grammar.VerbSizes}).Followup(e2.ctx)
	wantContains(t, "Explain", Explain(err, "r"), "credentials", "Check the token.")
}

func TestHelpAndUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbHelp}); r.Text == "" {
		t.Errorf("help reply is empty")
	}
	if r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbHelp, Topic: "up"}); r.Text == "" {
		t.Errorf("help up reply is empty")
	}
	ue := e.refused(caller(alice), grammar.Command{Verb: "frobnicate"})
	wantContains(t, "Msg", ue.Msg, "`frobnicate`")
	ue = e.refused(caller(alice), grammar.Command{Verb: grammar.VerbSnapshot, Sub: "clone"})
	wantContains(t, "Msg", ue.Msg, "`clone`")
}

func TestAttachThread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	op, err := e.svc.AttachThread(e.ctx, r.Op.ID, "C0DEV", "1700000000.000100")
	if err != nil || op.ThreadTS != "1700000000.000100" || op.Channel != "C0DEV" {
		t.Fatalf("AttachThread = %+v, %v", op, err)
	}
	e.svc.Run(e.ctx, r.Op.ID)
	for _, ev := range e.rec.of(r.Op.ID) {
		if ev.Op.ThreadTS != "1700000000.000100" {
			t.Errorf("%s event thread = %q, want the attached one", ev.Kind, ev.Op.ThreadTS)
		}
	}
	if in := e.instance("box"); in.ThreadTS != "1700000000.000100" || in.Channel != "C0DEV" {
		t.Errorf("instance thread = %s/%s, want the attached one", in.Channel, in.ThreadTS)
	}
	if _, err := e.svc.AttachThread(e.ctx, "nope", "C", "1"); err == nil {
		t.Errorf("AttachThread of an unknown op = nil, want an error")
	}
}

// Concurrent ups by one person never exceed the quota or reuse a name.
func TestUpConcurrentQuota(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.MaxInstancesPerUser = 3 }))
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := 0
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := "box"
			if i%2 == 0 {
				name = fmt.Sprintf("box-%d", i)
			}
			if r, err := e.svc.Handle(e.ctx, fmt.Sprintf("k%d", i), caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: name}); err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
				e.svc.Start(e.ctx, r.Op.ID)
			}
		}()
	}
	wg.Wait()
	e.svc.Wait()
	if accepted != 3 {
		t.Errorf("accepted = %d, want the quota of 3", accepted)
	}
	if n := e.cloudCount(); n != 3 {
		t.Errorf("instances at the cloud = %d, want 3", n)
	}
}

func TestFmtDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		72 * time.Hour: "3d", 8 * time.Hour: "8h", 90 * time.Minute: "90m", 100 * time.Hour: "100h", 90 * time.Second: "1m30s",
	} {
		if got := fmtDuration(d); got != want {
			t.Errorf("fmtDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
