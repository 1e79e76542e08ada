package commands

import (
	"slices"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/hetzner"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store"
)

// cloudUnderTest is a real provider against its emulator, with the
// emulator's activity knob.
type cloudUnderTest struct {
	name, size, region string
	p                  providers.Provider
	setLoad            func(id string, l providertest.Load)
	calls              func() int // API calls the emulator has served
}

func emulatedClouds(t testing.TB) []cloudUnderTest {
	t.Helper()
	hz := providertest.NewHetzner()
	t.Cleanup(hz.Close)
	hp, err := hetzner.New(hetzner.Config{Token: secret.New("hz-token"), BaseURL: hz.Endpoint(),
		PollInterval: time.Millisecond, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	do := providertest.NewDigitalOcean()
	t.Cleanup(do.Close)
	dp, err := digitalocean.New(digitalocean.Config{Token: secret.New("do-token"), BaseURL: do.URL,
		PollInterval: time.Millisecond, RetryBackoff: time.Millisecond, MaxRetryWait: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ec2 := providertest.NewEC2()
	t.Cleanup(ec2.Close)
	ap, err := aws.New(aws.Config{
		AWS:     awssdk.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")},
		BaseURL: ec2.URL, MetricsURL: ec2.URL, PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond,
		RetryMaxBackoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return []cloudUnderTest{
		{"hetzner", "cx22", "fsn1", hp, hz.SetLoad, hz.TotalCalls},
		{"digitalocean", "s-1vcpu-1gb", "fra1", dp, do.SetLoad, do.TotalCalls},
		{"aws", "t3.micro", "us-east-1", ap, ec2.SetLoad, ec2.TotalCalls},
	}
}

// TestIdleAgainstEmulators runs the idle flow with each cloud's real
// client against its emulator: busy is left alone, no metrics is left
// alone, idle is warned once after an hour and destroyed at the cloud
// after the grace.
func TestIdleAgainstEmulators(t *testing.T) {
	t.Parallel()
	scenarios := []struct {
		name          string
		load          *providertest.Load // nil: no data at all
		wantWarned    bool
		wantNoMetrics bool
	}{
		{"busy", &providertest.BusyLoad, false, false},
		{"idle", &providertest.IdleLoad, true, false},
		{"no metrics", nil, false, true},
	}
	for _, cloud := range emulatedClouds(t) {
		for _, sc := range scenarios {
			t.Run(cloud.name+"/"+sc.name, func(t *testing.T) {
				e := newEnv(t, withConfig(func(c *Config) { c.Idle = testIdlePolicy }),
					func(o *envOptions) { o.extra = map[string]providers.Provider{cloud.name: cloud.p} })
				name := "idle-" + sc.name[:2]
				in, err := cloud.p.CreateInstance(e.ctx, providers.InstanceRequest{Name: name, Size: cloud.size, Region: cloud.region,
					Labels: map[string]string{providers.LabelOwner: alice, providers.LabelOp: "op-" + name}})
				if err != nil {
					t.Fatalf("CreateInstance at %s: %v", cloud.name, err)
				}
				if _, err := cloud.p.WaitReady(e.ctx, in.ID); err != nil {
					t.Fatalf("WaitReady at %s: %v", cloud.name, err)
				}
				now := e.clock.Now()
				if err := e.db.CreateInstance(e.ctx, store.Instance{Name: name, Provider: cloud.name, CloudID: in.ID, Owner: alice,
					Channel: general, Size: cloud.size, Region: cloud.region, PriceHourly: 0.01, Created: now,
					LeaseExpiry: now.Add(8 * time.Hour), Status: store.InstanceReady}); err != nil {
					t.Fatal(err)
				}
				if sc.load != nil {
					cloud.setLoad(in.ID, *sc.load)
				}
				got := e.runIdle(name, 2*time.Hour)
				want := map[string][]int{}
				if sc.wantWarned {
					want = map[string][]int{"warned": {60}, "destroyed": {90}}
				}
				if !mapsEqual(got, want) {
					t.Fatalf("idle passes at %s = %v, want %v", cloud.name, got, want)
				}
				rec := e.instance(name)
				if rec.Idle.NoMetrics != sc.wantNoMetrics {
					t.Errorf("Idle.NoMetrics = %v, want %v", rec.Idle.NoMetrics, sc.wantNoMetrics)
				}
				gone, err := cloud.p.GetInstance(e.ctx, in.ID)
				if err != nil {
					t.Fatal(err)
				}
				if sc.wantWarned != (gone == nil || gone.Status != providers.StatusActive) {
					t.Errorf("instance at %s after 2h: %+v; want it destroyed only when idle", cloud.name, gone)
				}
				if sc.wantWarned && !slices.ContainsFunc(e.rec.ofKind(EventIdleDestroyed), func(ev Event) bool { return ev.Instance.Name == name }) {
					t.Errorf("no EventIdleDestroyed for %s", name)
				}
			})
		}
	}
}
