package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/commands/grammar"
	"github.com/spuffbot/spuffbot/internal/testsync"
	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store"
)

func TestUpCreateFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		want    []string // in the failure detail
		wantRef bool     // an unexpected error: the detail is a reference
		always  bool     // every create fails, not only the next
	}{
		{name: "quota", err: &providers.Error{Provider: "demo", Op: "create instance", Kind: providers.ErrQuota,
			Message: "droplet limit of 10 reached", Hint: "ask support to raise the limit"},
			want: []string{"Demo cloud says the account's limit is reached: droplet limit of 10 reached.", "Ask support to raise the limit."}},
		{name: "auth", err: &providers.Error{Provider: "demo", Op: "create instance", Kind: providers.ErrAuth,
			Message: "the token was rejected", Hint: "check SPUFF_DEMO_TOKEN", Err: errSome},
			want: []string{"Demo cloud refused spuffbot's credentials", "Check SPUFF_DEMO_TOKEN."}},
		{name: "rate limited until the deadline", always: true,
			err: fmt.Errorf("create: %w", &providers.Error{Provider: "demo", Op: "create instance",
				Kind: providers.ErrRateLimited, Message: "too many requests", RetryAfter: time.Millisecond}),
			want: []string{"Demo cloud kept failing to create the VM", "its last answer: too many requests", "nothing was created"}},
		{name: "unexpected", err: errSome, wantRef: true,
			want: []string{"Something went wrong on our side (reference "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			failing := &failCreates{}
			e := newEnv(t, func(o *envOptions) {
				o.wrap = func(d *demo.Provider) providers.Provider { failing.Provider = d; return failing }
			})
			if tt.always {
				failing.set(tt.err)
			} else {
				e.cloud.SetFailNext(demo.OpCreateInstance, tt.err)
			}
			op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
			if op.State != store.OpFailed {
				t.Fatalf("op = %s, want failed", op.State)
			}
			ev := e.rec.last(t, op.ID, EventFailed)
			wantContains(t, "Detail", ev.Detail, tt.want...)
			if !tt.always && ev.Detail != Explain(tt.err, ev.Ref) {
				t.Errorf("Detail = %q, want Explain's %q", ev.Detail, Explain(tt.err, ev.Ref))
			}
			if op.Error != ev.Detail {
				t.Errorf("journaled error = %q, want the detail %q", op.Error, ev.Detail)
			}
			for _, secret := range []string{"hunter2", "10.0.0.7"} {
				if strings.Contains(ev.Detail, secret) || strings.Contains(op.Error, secret) {
					t.Errorf("failure %q shows %q", ev.Detail, secret)
				}
			}
			if tt.wantRef != (ev.Ref != "") {
				t.Errorf("Ref = %q, want a reference only for an unexpected error", ev.Ref)
			}
			if tt.wantRef {
				wantContains(t, "Detail", ev.Detail, ev.Ref)
				wantContains(t, "log", e.logs.String(), "ref="+ev.Ref, "hunter2")
			}
			if ev.Instance == nil || ev.Instance.Status != store.InstanceFailed {
				t.Errorf("failed event instance = %+v, want failed", ev.Instance)
			}
			if in := e.instance("box"); in.Status != store.InstanceFailed {
				t.Errorf("instance is %s, want failed", in.Status)
			}
			if n := e.cloudCount(); n != 0 {
				t.Errorf("instances at the cloud = %d, want 0", n)
			}
			// The name and the quota are free again.
			failing.set(nil)
			e.up(caller(alice), "box")
		})
	}
}

// The cloud refuses to list while the instance boots: nobody will see it
// become ready, so it is destroyed rather than left to bill unseen.
func TestUpReadinessFailureDestroys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetFailNext(demo.OpListInstances, &providers.Error{Provider: "demo", Op: "list instances",
		Kind: providers.ErrAuth, Message: "token revoked"})
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	if op.State != store.OpFailed || op.CloudID == "" {
		t.Fatalf("op = %+v, want failed after the create", op)
	}
	if e.atCloud(op.CloudID) != nil || e.cloudCount() != 0 {
		t.Errorf("the VM %s is still at the cloud after a failed wait: it would bill unseen", op.CloudID)
	}
	if got := e.instance("box").Status; got != store.InstanceDestroyed {
		t.Errorf("instance is %s, want destroyed", got)
	}
	wantContains(t, "Detail", e.rec.last(t, op.ID, EventFailed).Detail, "refused spuffbot's credentials", "token revoked")
}

// Removed behind spuff's back while it boots: WaitReady reports not found.
func TestUpInstanceRemovedWhileBooting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetReadyAfter(time.Hour) // the fake clock never gets there
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Run(e.ctx, r.Op.ID)
	}()
	id := waitCloudID(t, e, r.Op.ID)
	e.cloud.Remove(id)
	<-done
	if op := e.op(r.Op.ID); op.State != store.OpFailed {
		t.Errorf("op = %s, want failed", op.State)
	}
	if got := e.instance("box").Status; got.Live() {
		t.Errorf("instance is %s, want not live", got)
	}
}

// A shutdown while waiting leaves the operation journaled, not failed, and
// leaves the VM alone for the next start to adopt.
func TestUpShutdownWhileBooting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cloud.SetReadyAfter(time.Hour)
	r := e.handle("", caller(alice), grammar.Command{Verb: grammar.VerbUp, Name: "box"})
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.Run(ctx, r.Op.ID)
	}()
	id := waitCloudID(t, e, r.Op.ID)
	cancel()
	<-done
	op := e.op(r.Op.ID)
	if op.State.Final() || op.CloudID != id {
		t.Errorf("op after shutdown = %s with cloud id %q, want unfinished with %s", op.State, op.CloudID, id)
	}
	if e.atCloud(id) == nil {
		t.Errorf("VM destroyed on shutdown, want it kept")
	}
	for _, ev := range e.rec.of(op.ID) {
		if ev.Kind == EventFailed {
			t.Errorf("shutdown reported as a failure: %q", ev.Detail)
		}
	}
}

// waitCloudID waits until operation id has journaled its cloud id.
func waitCloudID(t *testing.T, e *env, id string) string {
	t.Helper()
	var cloudID string
	testsync.Until(t, "op "+id+" to record a cloud id", func() bool {
		cloudID = e.op(id).CloudID
		return cloudID != ""
	})
	return cloudID
}

func TestDownFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	in := e.up(caller(alice), "box")
	e.cloud.SetFailNext(demo.OpDestroyInstance, &providers.Error{Provider: "demo", Op: "destroy instance",
		Kind: providers.ErrAuth, Hint: "check SPUFF_DEMO_TOKEN"})
	op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"})
	if op.State != store.OpFailed {
		t.Fatalf("down = %s, want failed", op.State)
	}
	ev := e.rec.last(t, op.ID, EventFailed)
	wantContains(t, "Detail", ev.Detail, "credentials", "Check SPUFF_DEMO_TOKEN.")
	if e.atCloud(in.CloudID) == nil {
		t.Fatalf("instance gone although destroy failed")
	}
	// The instance is still alive and spuff still tracks it: down again works.
	if got := e.instance("box").Status; !got.Live() {
		t.Errorf("instance is %s after a failed destroy, want live", got)
	}
	if op := e.run(caller(alice), grammar.Command{Verb: grammar.VerbDown, Name: "box"}); op.State != store.OpDone {
		t.Errorf("second down = %s (%s), want done", op.State, op.Error)
	}
	if e.atCloud(in.CloudID) != nil {
		t.Errorf("instance still at the cloud")
	}
}

func TestExplain(t *testing.T) {
	t.Parallel()
	pe := func(kind error, msg, hint string) error {
		return &providers.Error{Provider: "hetzner", Op: "create server", Kind: kind, Message: msg, Hint: hint}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"auth", pe(providers.ErrAuth, "unauthorized.", "check HCLOUD_TOKEN"),
			"Hetzner Cloud refused spuffbot's credentials: unauthorized. Check HCLOUD_TOKEN."},
		{"quota", pe(providers.ErrQuota, "server limit reached", "delete a server or ask for a higher limit"),
			"Hetzner Cloud says the account's limit is reached: server limit reached. Delete a server or ask for a higher limit."},
		{"rate limited", &providers.Error{Provider: "digitalocean", Kind: providers.ErrRateLimited, RetryAfter: 42 * time.Second, Hint: "wait"},
			"DigitalOcean is rate-limiting spuffbot; try again in 42s. Wait."},
		{"rate limited, no retry-after", pe(providers.ErrRateLimited, "", ""),
			"Hetzner Cloud is rate-limiting spuffbot; try again in a minute."},
		{"invalid", pe(providers.ErrInvalid, "server type cx99 not found", "see `/spuff sizes`"),
			"Hetzner Cloud rejected the request: server type cx99 not found. See `/spuff sizes`."},
		{"not found", &providers.Error{Provider: "aws", Kind: providers.ErrNotFound, Message: "no such instance i-1"},
			"AWS EC2 could not find it: no such instance i-1."},
		{"other kind", &providers.Error{Provider: "demo", Kind: errSome, Hint: "try later"},
			"Demo cloud failed. Try later."},
		{"wrapped", fmt.Errorf("run op: %w", pe(providers.ErrAuth, "", "check HCLOUD_TOKEN")),
			"Hetzner Cloud refused spuffbot's credentials. Check HCLOUD_TOKEN."},
		{"usage", &UsageError{Msg: "unknown size `x`", Hint: "valid sizes: `a`"}, "unknown size `x` — valid sizes: `a`"},
		{"wrapped usage", fmt.Errorf("accept: %w", &UsageError{Msg: "no"}), "no"},
		{"unexpected", errSome,
			"Something went wrong on our side (reference ref42). An admin can find the details in the bot's log."},
		{"deadline", fmt.Errorf("list: %w", context.DeadlineExceeded),
			"Something went wrong on our side (reference ref42). An admin can find the details in the bot's log."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Explain(tt.err, "ref42"); got != tt.want {
				t.Errorf("Explain(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
	if got := Explain(errors.New("password=swordfish"), "r1"); strings.Contains(got, "swordfish") {
		t.Errorf("Explain shows the error text: %q", got)
	}
	if a, b := NewRef(), NewRef(); len(a) != 8 || a == b {
		t.Errorf("NewRef() = %q, %q; want 8 hex characters, different each time", a, b)
	}
	for p, want := range map[string]string{"digitalocean": "DigitalOcean", "hetzner": "Hetzner Cloud", "aws": "AWS EC2", "demo": "Demo cloud", "x": "x"} {
		if got := Label(p); got != want {
			t.Errorf("Label(%q) = %q, want %q", p, got, want)
		}
	}
}

// failCreates is a cloud whose every create fails with the error set,
// while one is set.
type failCreates struct {
	providers.Provider
	mu  sync.Mutex
	err error
}

func (f *failCreates) set(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
}

func (f *failCreates) CreateInstance(ctx context.Context, req providers.InstanceRequest) (*providers.Instance, error) {
	f.mu.Lock()
	err := f.err
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return f.Provider.CreateInstance(ctx, req)
}
