package commands

import (
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

var docNet = netip.MustParsePrefix("203.0.113.0/24")

func TestUpCreatesReadyInstance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := e.clock.Now()
	r := e.handle("env-1", caller(alice), grammar.Command{Verb: grammar.VerbUp})
	if r.Op == nil || r.Duplicate {
		t.Fatalf("Handle(up) = %+v, want a new operation", r)
	}
	name := r.Op.Instance
	if !regexp.MustCompile(`^alice-[a-z2-7]{4}$`).MatchString(name) {
		t.Errorf("default name = %q, want alice-xxxx", name)
	}
	if err := grammar.CheckName(name); err != nil {
		t.Errorf("CheckName(%q) = %v, want nil", name, err)
	}
	wantContains(t, "reply text", r.Text, "`"+name+"`", "Demo cloud")
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("Handle called CreateInstance %d times, want 0: Run does it", got)
	}

	e.svc.Run(e.ctx, r.Op.ID)

	want := []EventKind{EventAccepted, EventCreating, EventCreated, EventReady}
	if diff := cmp.Diff(want, e.rec.kinds(r.Op.ID)); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	ready := e.rec.last(t, r.Op.ID, EventReady)
	if ready.Instance == nil {
		t.Fatal("ready event has no instance")
	}
	ip, err := netip.ParseAddr(ready.Instance.IP)
	if err != nil || !docNet.Contains(ip) {
		t.Errorf("ready IP = %q, want an address in %s", ready.Instance.IP, docNet)
	}
	if ready.ProviderLabel != "Demo cloud" || ready.Op.State != store.OpDone {
		t.Errorf("ready event label %q, op state %s; want Demo cloud, done", ready.ProviderLabel, ready.Op.State)
	}

	in := e.instance(name)
	if in.Status != store.InstanceReady || in.IP != ready.Instance.IP || in.CloudID == "" {
		t.Errorf("stored instance = %+v, want ready with the IP and a cloud id", in)
	}
	if in.Owner != alice || in.Size != "small" || in.Region != "demo-eu" || in.PriceHourly != 0.0074 {
		t.Errorf("stored instance owner %s size %s region %s price %v; want %s small demo-eu 0.0074",
			in.Owner, in.Size, in.Region, in.PriceHourly, alice)
	}
	if want := start.Add(8 * time.Hour); !in.LeaseExpiry.Equal(want) {
		t.Errorf("lease expiry = %v, want %v (the default 8h)", in.LeaseExpiry, want)
	}
	at := e.atCloud(in.CloudID)
	if at == nil || !at.Ready() {
		t.Fatalf("cloud instance %s = %+v, want it ready", in.CloudID, at)
	}
	if at.Labels[providers.LabelOwner] != alice {
		t.Errorf("cloud labels = %v, want %s=%s", at.Labels, providers.LabelOwner, alice)
	}
	if at.Labels[providers.LabelOp] != r.Op.ID {
		t.Errorf("cloud labels = %v, want %s=%s", at.Labels, providers.LabelOp, r.Op.ID)
	}
	if op := e.op(r.Op.ID); op.State != store.OpDone || op.CloudID != in.CloudID {
		t.Errorf("operation = %+v, want done with cloud id %s", op, in.CloudID)
	}
}

func TestDefaultInstanceNames(t *testing.T) {
	t.Parallel()
	users := []string{"alice", "Alice Smith", "ZOË", "123", "", "___", "a.b_c-d",
		"jean-luc.picard", strings.Repeat("verylongname", 8), "U024BE7LH", "-lead-", "o'brien"}
	for _, u := range users {
		t.Run(u, func(t *testing.T) {
			t.Parallel()
			for range 20 { // the suffix is random
				name := instanceName(u)
				if err := grammar.CheckName(name); err != nil {
					t.Fatalf("CheckName(instanceName(%q) = %q) = %v, want nil", u, name, err)
				}
			}
		})
	}
	e := newEnv(t)
	r := e.handle("", Caller{User: "U0XYZ", UserName: "Zoë O'Brien", Channel: general}, grammar.Command{Verb: grammar.VerbUp})
	if !regexp.MustCompile(`^zo-obrien-[a-z2-7]{4}$`).MatchString(r.Op.Instance) {
		t.Errorf("name for Zoë O'Brien = %q, want it made from the user name", r.Op.Instance)
	}
	r = e.handle("", Caller{User: "U0XYZ", Channel: general}, grammar.Command{Verb: grammar.VerbUp})
	if !strings.HasPrefix(r.Op.Instance, "u0xyz-") {
		t.Errorf("name without a user name = %q, want it made from the user id", r.Op.Instance)
	}
}

func TestUpGivenNameSizeRegion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box", Size: "xlarge", Region: "demo-eu", Image: "debian-12"})
	if op.State != store.OpDone {
		t.Fatalf("up box: op %s (%s), want done", op.State, op.Error)
	}
	in := e.instance("box")
	if in.Size != "xlarge" || in.Region != "demo-eu" || in.PriceHourly != 0.25 || in.Image != "debian-12" {
		t.Errorf("instance = %+v, want xlarge in demo-eu at 0.25/h from debian-12", in)
	}
	if at := e.atCloud(in.CloudID); at == nil || at.Name != "box" || at.Size != "xlarge" {
		t.Errorf("cloud instance = %+v, want box of size xlarge", at)
	}
}

func TestUpRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cmd      grammar.Command
		msg      []string // in UsageError.Msg
		hint     []string // in UsageError.Hint
		hintNot  string
		provider bool // configure a second provider
	}{
		{name: "duplicate name", cmd: grammar.Command{Verb: grammar.VerbUp, Name: "taken"},
			msg: []string{"`taken`", "already exists", "@" + alice}},
		{name: "unknown size", cmd: grammar.Command{Verb: grammar.VerbUp, Size: "huge"},
			msg: []string{"unknown size `huge`"}, hint: []string{"`small`", "`medium`", "`large`", "`xlarge`"}},
		{name: "size not in region", cmd: grammar.Command{Verb: grammar.VerbUp, Size: "xlarge", Region: "demo-us"},
			msg: []string{"`xlarge`", "not offered", "`demo-us`"}, hint: []string{"`small`", "`medium`", "`large`"}, hintNot: "xlarge"},
		{name: "unknown region", cmd: grammar.Command{Verb: grammar.VerbUp, Region: "mars-1"},
			msg: []string{"unknown region `mars-1`"}, hint: []string{"`demo-eu`", "`demo-us`"}},
		{name: "unknown provider", cmd: grammar.Command{Verb: grammar.VerbUp, Provider: "aws"}, provider: true,
			msg: []string{"`aws`", "not configured"}, hint: []string{"`demo`", "`hetzner`"}},
		{name: "ttl above max", cmd: grammar.Command{Verb: grammar.VerbUp, TTL: 100 * time.Hour},
			msg: []string{"100h", "maximum of 3d"}, hint: []string{"`--ttl 3d`"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *envOptions) {
				if tt.provider {
					o.extra = map[string]providers.Provider{"hetzner": demo.New(demo.Config{})}
				}
			})
			e.up(caller(alice), "taken")
			ops, _ := e.db.ListOperations(e.ctx, false)
			ue := e.refused(caller(bob), tt.cmd)
			wantContains(t, "Msg", ue.Msg, tt.msg...)
			wantContains(t, "Hint", ue.Hint, tt.hint...)
			if tt.hintNot != "" && strings.Contains(ue.Hint, tt.hintNot) {
				t.Errorf("Hint = %q, want no %q", ue.Hint, tt.hintNot)
			}
			if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 1 {
				t.Errorf("CreateInstance calls = %d, want 1 (the setup's)", got)
			}
			after, _ := e.db.ListOperations(e.ctx, false)
			if len(after) != len(ops) {
				t.Errorf("operations = %d after a refusal, want %d", len(after), len(ops))
			}
			if in := e.instance("taken"); in.Owner != alice || in.Status != store.InstanceReady {
				t.Errorf("instance taken = %+v, want alice's and ready", in)
			}
		})
	}
}

func TestUpLease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		def, max time.Duration
		ttl      time.Duration
		want     time.Duration
	}{
		{"config default", 2 * time.Hour, 0, 0, 2 * time.Hour},
		{"default 8h", 0, 0, 0, 8 * time.Hour},
		{"ttl", 0, 0, 30 * time.Minute, 30 * time.Minute},
		{"ttl at max", 0, 10 * time.Hour, 10 * time.Hour, 10 * time.Hour},
		{"default capped by max", 0, 4 * time.Hour, 0, 4 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *Config) { c.DefaultLease, c.MaxLease = tt.def, tt.max }))
			e.clock.Advance(time.Minute) // the lease starts when the VM is ready
			op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box", TTL: tt.ttl})
			if op.State != store.OpDone {
				t.Fatalf("up: %s (%s)", op.State, op.Error)
			}
			if got := e.instance("box").LeaseExpiry.Sub(e.clock.Now()); got != tt.want {
				t.Errorf("lease = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestUpQuota(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.MaxInstancesPerUser = 2 }))
	e.up(caller(alice), "one")
	e.up(caller(alice), "two")
	ue := e.refused(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "three"})
	wantContains(t, "Msg", ue.Msg, "2 running instances", "`one`", "`two`", "limit is 2")
	wantContains(t, "Hint", ue.Hint, "/spuff down")
	e.up(caller(bob), "bobs") // the cap is per person

	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "one"}); op.State != store.OpDone {
		t.Fatalf("down one: %s (%s)", op.State, op.Error)
	}
	e.up(caller(alice), "three")

	// A failed create does not count.
	e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "two"})
	e.cloud.SetFailNext(demo.OpCreateInstance, &providers.Error{Provider: "demo", Op: "create instance", Kind: providers.ErrQuota})
	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "four"}); op.State != store.OpFailed {
		t.Fatalf("up four with a failing cloud: %s, want failed", op.State)
	}
	e.up(caller(alice), "five")
	ue = e.refused(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "six"})
	wantContains(t, "Msg", ue.Msg, "2 running instances", "`three`", "`five`")
	if strings.Contains(ue.Msg, "four") {
		t.Errorf("Msg = %q, want the failed instance not counted", ue.Msg)
	}
}

func TestUpNoQuota(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withConfig(func(c *Config) { c.MaxInstancesPerUser = -1 }))
	for _, n := range []string{"a1", "a2", "a3", "a4"} {
		e.up(caller(alice), n)
	}
}

func TestUpIdempotencyKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cmd   grammar.Command
		quota int
		runs  bool // run the first operation before the redelivery
	}{
		{name: "default name", cmd: grammar.Command{Verb: grammar.VerbUp}},
		{name: "given name", cmd: grammar.Command{Verb: grammar.VerbUp, Name: "box"}},
		{name: "given name after ready", cmd: grammar.Command{Verb: grammar.VerbUp, Name: "box"}, runs: true},
		{name: "at the quota", cmd: grammar.Command{Verb: grammar.VerbUp}, quota: 1},
		{name: "at the quota after ready", cmd: grammar.Command{Verb: grammar.VerbUp}, quota: 1, runs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withConfig(func(c *Config) { c.MaxInstancesPerUser = tt.quota }))
			first := e.handle("env-42", caller(alice), tt.cmd)
			if tt.runs {
				e.svc.Run(e.ctx, first.Op.ID)
			}
			second, err := e.svc.Handle(e.ctx, "env-42", caller(alice), tt.cmd)
			if err != nil {
				t.Fatalf("second Handle with the same key = %v, want the first operation", err)
			}
			if !second.Duplicate || second.Op == nil || second.Op.ID != first.Op.ID {
				t.Fatalf("second Handle = %+v, want Duplicate of %s", second, first.Op.ID)
			}
			e.svc.Run(e.ctx, first.Op.ID)
			e.svc.Run(e.ctx, second.Op.ID)
			if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 1 {
				t.Errorf("CreateInstance calls = %d, want 1", got)
			}
			if got := e.cloudCount(); got != 1 {
				t.Errorf("instances at the cloud = %d, want 1", got)
			}
			ops, _ := e.db.ListOperations(e.ctx, false)
			if len(ops) != 1 {
				t.Errorf("operations = %d, want 1", len(ops))
			}
			if got := e.rec.kinds(first.Op.ID); len(got) != 4 {
				t.Errorf("events = %v, want one accepted..ready sequence", got)
			}
		})
	}
}

func TestUpWithoutCatalog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, noWarm)
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "huge", Size: "huge"})
	if got := e.cloud.Calls()[demo.OpCatalog]; got != 0 {
		t.Errorf("Handle called Catalog %d times, want 0: the ack path makes no cloud call", got)
	}
	e.svc.Run(e.ctx, r.Op.ID)
	failed := e.rec.last(t, r.Op.ID, EventFailed)
	wantContains(t, "failure detail", failed.Detail, "unknown size `huge`", "`small`")
	if in := e.instance("huge"); in.Status != store.InstanceFailed {
		t.Errorf("instance huge is %s, want failed", in.Status)
	}
	if got := e.cloud.Calls()[demo.OpCreateInstance]; got != 0 {
		t.Errorf("CreateInstance calls = %d, want 0: an invalid size never reaches the cloud", got)
	}

	r = e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "late", Size: "medium"})
	e.svc.Run(e.ctx, r.Op.ID)
	if in := e.instance("late"); in.Status != store.InstanceReady || in.PriceHourly != 0.0298 || in.Region != "demo-eu" {
		t.Errorf("instance = %+v, want ready, medium's price, the first region", in)
	}
}

func TestUpImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		image, snapshot string
		want            providers.ImageSpec
	}{
		{"", "", providers.ImageSpec{}},
		{"ubuntu", "", providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "24.04"}},
		{"debian", "", providers.ImageSpec{Kind: providers.ImageDebian, Version: "12"}},
		{"ubuntu-22.04", "", providers.ImageSpec{Kind: providers.ImageUbuntu, Version: "22.04"}},
		{"ami-123", "", providers.ImageSpec{Kind: providers.ImageCustom, ID: "ami-123"}},
		{"debian", "snap-1", providers.ImageSpec{Kind: providers.ImageSnapshot, ID: "snap-1"}},
	}
	for _, tt := range tests {
		got, err := parseImage(tt.image, tt.snapshot, "")
		if err != nil || got != tt.want {
			t.Errorf("parseImage(%q, %q) = %+v, %v; want %+v", tt.image, tt.snapshot, got, err, tt.want)
		}
	}
	if got, _ := parseImage("", "", "debian-12"); got.String() != "debian-12" {
		t.Errorf("parseImage with default debian-12 = %v", got)
	}

	// An image the cloud does not know fails at the cloud, explained. (Only
	// an admin's custom id reaches the cloud: see TestCustomImagesNeedAllowing.)
	e := newEnv(t, withConfig(func(c *Config) { c.Admins = []string{root} }))
	op := e.run(caller(root), grammar.Command{Verb: grammar.VerbUp, Name: "odd", Image: "plan9"})
	if op.State != store.OpFailed {
		t.Fatalf("up --image plan9: %s, want failed", op.State)
	}
	wantContains(t, "failure detail", e.rec.last(t, op.ID, EventFailed).Detail, "Demo cloud rejected the request", "plan9")
}
