package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/aws"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/providers/digitalocean"
	"github.com/spuffbot/spuffbot/providers/hetzner"
	"github.com/spuffbot/spuffbot/providers/providertest"
	"github.com/spuffbot/spuffbot/secret"
	"github.com/spuffbot/spuffbot/store"
)

// faultyCloud is one real provider, through its real SDK, pointed at its
// emulator, and the means to break the emulator.
type faultyCloud struct {
	name  string
	p     providers.Provider
	knobs *providertest.Knobs
	// create, destroy and list name the endpoints as the Knobs count them.
	create, destroy, list string
	// serverError is a 5xx the SDK retries by itself.
	serverError int
	// conflict reports whether a second create of a used name is a 409.
	conflict       bool
	setReadyAfter  func(time.Duration)
	setActionAfter func(time.Duration)
}

// faultyClouds returns the three clouds, each on a fresh emulator.
func faultyClouds(t *testing.T) []*faultyCloud {
	t.Helper()
	do := providertest.NewDigitalOcean()
	t.Cleanup(do.Close)
	dop, err := digitalocean.New(digitalocean.Config{Token: secret.New("t"), BaseURL: do.URL,
		PollInterval: time.Millisecond, RetryBackoff: time.Millisecond, MaxRetryWait: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hz := providertest.NewHetzner()
	t.Cleanup(hz.Close)
	hzp, err := hetzner.New(hetzner.Config{Token: secret.New("t"), BaseURL: hz.Endpoint(),
		PollInterval: time.Millisecond, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ec := providertest.NewEC2()
	t.Cleanup(ec.Close)
	ecp, err := aws.New(aws.Config{
		AWS: awssdk.Config{Region: "us-east-1",
			Credentials: credentials.NewStaticCredentialsProvider("AKIDSPUFFTEST", "not-a-secret", "")},
		BaseURL: ec.URL, PollInterval: time.Millisecond, MaxPollInterval: 5 * time.Millisecond, RetryMaxBackoff: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return []*faultyCloud{
		{name: "digitalocean", p: dop, knobs: &do.Knobs, create: "POST /v2/droplets", destroy: "DELETE /v2/droplets/{id}",
			list: "GET /v2/droplets", serverError: 500, conflict: true, setReadyAfter: do.SetReadyAfter, setActionAfter: do.SetActionAfter},
		{name: "hetzner", p: hzp, knobs: &hz.Knobs, create: "POST /v1/servers", destroy: "DELETE /v1/servers/{id}",
			list: "GET /v1/servers", serverError: 502, conflict: true, setReadyAfter: hz.SetReadyAfter},
		{name: "aws", p: ecp, knobs: &ec.Knobs, create: "RunInstances", destroy: "TerminateInstances",
			list: "DescribeInstances", serverError: 500, setReadyAfter: ec.SetReadyAfter},
	}
}

// cloudEnv is a Service whose default cloud is c.
func cloudEnv(t *testing.T, c *faultyCloud, cfg func(*Config)) *env {
	t.Helper()
	e := newEnv(t, func(o *envOptions) {
		o.extra = map[string]providers.Provider{c.name: c.p}
		o.cfg.DefaultProvider = c.name
		o.cfg.MaxInstancesPerUser = -1
		if cfg != nil {
			cfg(&o.cfg)
		}
	})
	e.svc.Warm(e.ctx)
	return e
}

// upOn runs `up name` on c and returns the final operation.
func (e *env) upOn(c *faultyCloud, name string) *store.Operation {
	e.t.Helper()
	return e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: name, Provider: c.name})
}

// vmsOf returns the live VMs at c labelled with operation opID (every
// spuff VM when opID is empty), asked without faults.
func vmsOf(t *testing.T, c *faultyCloud, opID string) []providers.Instance {
	t.Helper()
	c.knobs.ClearFaults()
	c.knobs.FailFraction(0, providertest.Fault{})
	list, err := c.p.ListInstances(t.Context())
	if err != nil {
		t.Fatalf("%s ListInstances() error = %v", c.name, err)
	}
	var out []providers.Instance
	for _, in := range list {
		if opID == "" || in.Labels[providers.LabelOp] == opID {
			out = append(out, in)
		}
	}
	return out
}

// TestUpLostCreateAnswer loses the answer to the create the cloud carried
// out, then answers with server errors until the SDK gives up or with a
// 409 name conflict, or drops the connection after the create. The up adopts the VM found by its spuff-op label: one
// VM, ready, nothing said about failure.
func TestUpLostCreateAnswer(t *testing.T) {
	t.Parallel()
	for _, c := range faultyClouds(t) {
		for _, then := range []string{"server errors", "name conflict", "dropped connection"} {
			t.Run(c.name+"/"+then, func(t *testing.T) {
				if then == "name conflict" && !c.conflict {
					t.Skip("no name conflicts on this cloud: the ClientToken makes a retry return the same instance")
				}
				e := cloudEnv(t, c, nil)
				prefix := strings.ReplaceAll(then, " ", "-")
				switch then {
				case "server errors":
					c.knobs.FailNextOn(c.create, 1, providertest.Fault{Status: c.serverError, AfterServe: true})
					c.knobs.FailNextOn(c.create, 20, providertest.Fault{Status: c.serverError})
				case "name conflict":
					c.knobs.FailNextOn(c.create, 1, providertest.Fault{Status: c.serverError, AfterServe: true})
					c.knobs.FailNextOn(c.create, 1, providertest.Fault{Status: 409, Conflict: true})
				case "dropped connection":
					c.knobs.FailNextOn(c.create, 1, providertest.Fault{Drop: true, AfterServe: true})
				}
				op := e.upOn(c, prefix)
				if op.State != store.OpDone {
					t.Fatalf("up after a lost create answer = %s (%s), want done", op.State, op.Error)
				}
				vms := vmsOf(t, c, op.ID)
				if len(vms) != 1 || vms[0].ID != op.CloudID {
					t.Fatalf("VMs of the up = %+v, want exactly its own %s", vms, op.CloudID)
				}
				if in := e.instance(prefix); in.Status != store.InstanceReady || in.IP == "" {
					t.Errorf("instance = %s with IP %q, want ready with an IP", in.Status, in.IP)
				}
				if kinds := e.rec.kinds(op.ID); slices.Contains(kinds, EventFailed) {
					t.Errorf("events = %v, want no failure", kinds)
				}
			})
		}
	}
}

// TestUpCloudKeepsFailing makes every create fail with a server error
// before the cloud does anything: the up says once that the cloud is slow,
// fails at CreateTimeout naming the cloud and its answer, and leaves no VM.
func TestUpCloudKeepsFailing(t *testing.T) {
	t.Parallel()
	for _, c := range faultyClouds(t) {
		t.Run(c.name, func(t *testing.T) {
			e := cloudEnv(t, c, func(cfg *Config) { cfg.CreateTimeout = 2 * time.Second })
			c.knobs.FailNextOn(c.create, 100000, providertest.Fault{Status: c.serverError})
			op := e.upOn(c, "box")
			c.knobs.ClearFaults()
			if op.State != store.OpFailed {
				t.Fatalf("up against a failing cloud = %s, want failed", op.State)
			}
			ev := e.rec.last(t, op.ID, EventFailed)
			wantContains(t, "failure", ev.Detail, Label(c.name)+" kept failing to create the VM", "nothing was created")
			if ev.Ref != "" || strings.Contains(ev.Detail, "our side") {
				t.Errorf("failure = %q (ref %q), want the cloud's fault, not ours", ev.Detail, ev.Ref)
			}
			retrying := 0
			for _, ev := range e.rec.of(op.ID) {
				if ev.Kind == EventRetrying {
					retrying++
					wantContains(t, "retrying", ev.Detail, Label(c.name)+" is slow to answer, still trying")
				}
			}
			if retrying != 1 {
				t.Errorf("retrying events = %d, want exactly 1", retrying)
			}
			if vms := vmsOf(t, c, ""); len(vms) != 0 {
				t.Errorf("VMs after a failed up = %d, want 0", len(vms))
			}
		})
	}
}

// TestDownLostDestroyAnswer lets the cloud delete the VM and then time
// out: the down is done and the VM is gone.
func TestDownLostDestroyAnswer(t *testing.T) {
	t.Parallel()
	for _, c := range faultyClouds(t) {
		t.Run(c.name, func(t *testing.T) {
			e := cloudEnv(t, c, nil)
			if op := e.upOn(c, "box"); op.State != store.OpDone {
				t.Fatalf("up = %s (%s)", op.State, op.Error)
			}
			c.knobs.FailNextOn(c.destroy, 1, providertest.Fault{Status: 504, AfterServe: true})
			down := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
			if down.State != store.OpDone {
				t.Fatalf("down whose answer was lost = %s (%s), want done", down.State, down.Error)
			}
			if in := e.instance("box"); in.Status != store.InstanceDestroyed {
				t.Errorf("instance = %s, want destroyed", in.Status)
			}
			if vms := vmsOf(t, c, ""); len(vms) != 0 {
				t.Errorf("VMs after down = %d, want 0", len(vms))
			}
		})
	}
}

// TestUpsUnderFaults is the promise: with a share of all calls failing
// with a server error and every create's answer lost, each up on each
// cloud ends with exactly one VM and an IP, or with a clear failure and no
// VM. The second row makes the cloud so bad and the deadline so short that
// many ups fail, to check that those leave nothing behind.
func TestUpsUnderFaults(t *testing.T) {
	t.Parallel()
	const ups = 20
	tests := []struct {
		name     string
		fraction float64
		deadline time.Duration // CreateTimeout
	}{
		{"30% faults", 0.3, 2 * time.Second},
		{"80% faults, short deadline", 0.8, 50 * time.Millisecond},
	}
	for _, tt := range tests {
		for _, c := range faultyClouds(t) {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				e := cloudEnv(t, c, func(cfg *Config) { cfg.CreateTimeout = tt.deadline })
				if c.setActionAfter != nil {
					c.setActionAfter(time.Millisecond)
				}
				done, failed := 0, 0
				for i := range ups {
					name := fmt.Sprintf("box%d", i)
					c.knobs.FailFraction(tt.fraction, providertest.Fault{Status: c.serverError})
					c.knobs.FailNextOn(c.create, 1, providertest.Fault{Status: c.serverError, AfterServe: true})
					op := e.upOn(c, name)
					vms := vmsOf(t, c, op.ID) // turns the faults off
					switch op.State {
					case store.OpDone:
						done++
						in := e.instance(name)
						if len(vms) != 1 || vms[0].ID != op.CloudID || in.IP == "" || in.IP != vms[0].IP {
							t.Errorf("up %s is done with IP %q, VMs %+v; want exactly its VM %s with that IP", name, in.IP, vms, op.CloudID)
						}
					case store.OpFailed:
						failed++
						if len(vms) != 0 {
							t.Errorf("up %s failed (%s) with %d VMs behind it, want 0", name, op.Error, len(vms))
						}
						if !strings.Contains(op.Error, Label(c.name)) {
							t.Errorf("up %s failed with %q, want the cloud named", name, op.Error)
						}
					default:
						t.Errorf("up %s ended %s, want done or failed", name, op.State)
					}
				}
				if n := len(vmsOf(t, c, "")); n != done {
					t.Errorf("VMs at the cloud = %d, want one per done up (%d)", n, done)
				}
				t.Logf("%s, %s: %d of %d ups done, %d failed cleanly", tt.name, c.name, done, ups, failed)
			})
		}
	}
}

// lateCloud is the demo cloud as seen through a bad connection: every
// create is carried out but its answer lost, and the list does not show a
// new VM until the create has been given up (its context's deadline is
// CreateTimeout away, the last look's a minute).
type lateCloud struct {
	providers.Provider
	made int
}

func (l *lateCloud) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	if l.made == 0 {
		if _, err := l.Provider.CreateInstance(ctx, req); err != nil {
			return nil, err
		}
	}
	l.made++
	return nil, &providers.Error{Provider: "demo", Op: "create instance", Kind: providers.ErrUnknownOutcome, Message: "503 Service Unavailable"}
}

func (l *lateCloud) ListInstances(ctx context.Context) ([]providers.Instance, error) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < 10*time.Second {
		return nil, nil // still catching up
	}
	return l.Provider.ListInstances(ctx)
}

// TestFailedCreateLeavesNothing: a create that is given up after its
// answers were lost looks a last time by label and destroys the VM that
// appeared, and says so.
func TestFailedCreateLeavesNothing(t *testing.T) {
	t.Parallel()
	late := &lateCloud{}
	e := newEnv(t, func(o *envOptions) {
		o.wrap = func(d *demo.Provider) providers.Provider { late.Provider = d; return late }
		o.cfg.CreateTimeout = 500 * time.Millisecond
	})
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	if op.State != store.OpFailed {
		t.Fatalf("up = %s, want failed", op.State)
	}
	if late.made < 2 {
		t.Errorf("creates tried = %d, want the create retried", late.made)
	}
	wantContains(t, "failure", e.rec.last(t, op.ID, EventFailed).Detail,
		"Demo cloud kept failing to create the VM", "503 Service Unavailable", "the VM it made late was destroyed")
	if n := e.cloudCount(); n != 0 {
		t.Errorf("VMs at the cloud after a failed create = %d, want 0", n)
	}
	if in := e.instance("box"); in.Status != store.InstanceFailed {
		t.Errorf("instance = %s, want failed", in.Status)
	}
}
