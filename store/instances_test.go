package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCreateInstance(t *testing.T) {
	tests := []struct {
		name    string
		old     *Instance
		inst    Instance
		wantErr error
	}{
		{name: "new", inst: Instance{Name: "dev", Owner: "U1", Status: InstanceCreating}},
		{
			name:    "live name taken",
			old:     &Instance{Name: "dev", Owner: "U2", Status: InstanceReady},
			inst:    Instance{Name: "dev", Owner: "U1", Status: InstanceCreating},
			wantErr: ErrExists,
		},
		{
			name:    "destroying is still live",
			old:     &Instance{Name: "dev", Owner: "U1", Status: InstanceDestroying},
			inst:    Instance{Name: "dev", Owner: "U1", Status: InstanceCreating},
			wantErr: ErrExists,
		},
		{
			name: "destroyed is replaced",
			old:  &Instance{Name: "dev", Owner: "U2", Status: InstanceDestroyed},
			inst: Instance{Name: "dev", Owner: "U1", Status: InstanceCreating},
		},
		{
			name: "failed is replaced",
			old:  &Instance{Name: "dev", Owner: "U1", Status: InstanceFailed, CloudID: "9"},
			inst: Instance{Name: "dev", Owner: "U1", Status: InstanceCreating},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, clk := openTest(t)
			want := tt.inst
			if tt.old != nil {
				mustCreate(t, db, *tt.old)
				want = *tt.old
				want.Created = clk.Now()
			}
			err := db.CreateInstance(ctx, tt.inst)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateInstance(%+v) = %v, want %v", tt.inst, err, tt.wantErr)
			}
			if err == nil {
				want = tt.inst
				want.Created = clk.Now()
			}
			got, err := db.GetInstance(ctx, "dev")
			if err != nil {
				t.Fatalf("GetInstance(%q) = %v", "dev", err)
			}
			if diff := cmp.Diff(want, *got); diff != "" {
				t.Errorf("GetInstance after CreateInstance (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreateInstanceNeedsName(t *testing.T) {
	db, _ := openTest(t)
	if err := db.CreateInstance(context.Background(), Instance{Owner: "U1"}); err == nil {
		t.Errorf("CreateInstance(no name) = nil, want an error")
	}
}

func TestPutInstance(t *testing.T) {
	tests := []struct {
		name    string
		old     Instance
		inst    Instance
		wantErr error
	}{
		{
			name: "same operation replaces",
			old:  Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: InstanceCreating},
			inst: Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: InstanceReady, IP: "203.0.113.9"},
		},
		{
			name:    "other operation's live instance",
			old:     Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: InstanceReady},
			inst:    Instance{Name: "dev", Owner: "U2", OpID: "op-2", Status: InstanceCreating},
			wantErr: ErrExists,
		},
		{
			name: "other operation's destroyed instance",
			old:  Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: InstanceDestroyed},
			inst: Instance{Name: "dev", Owner: "U2", OpID: "op-2", Status: InstanceCreating},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := openTest(t)
			mustCreate(t, db, tt.old)
			err := db.PutInstance(ctx, tt.inst)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PutInstance(%+v) = %v, want %v", tt.inst, err, tt.wantErr)
			}
			want := tt.inst
			if err != nil {
				want = tt.old
			}
			got, err := db.GetInstance(ctx, "dev")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, *got, cmpopts.IgnoreFields(Instance{}, "Created")); diff != "" {
				t.Errorf("GetInstance after PutInstance (-want +got):\n%s", diff)
			}
			if got := listNames(t, db, InstanceFilter{Owner: want.Owner}); !cmp.Equal(got, []string{"dev"}) {
				t.Errorf("ListInstances(owner %s) = %q, want [dev]", want.Owner, got)
			}
		})
	}
}

func TestGetInstanceNotFound(t *testing.T) {
	db, _ := openTest(t)
	if _, err := db.GetInstance(context.Background(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetInstance(%q) = %v, want %v", "nope", err, ErrNotFound)
	}
}

// TestOwnerIndex follows the owner index through owner changes, a destroy
// and the reuse of a destroyed instance's name.
func TestOwnerIndex(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	mustCreate(t, db,
		Instance{Name: "a", Owner: "U1", Status: InstanceReady, OpID: "op-a"},
		Instance{Name: "b", Owner: "U1", Status: InstanceReady, OpID: "op-b"},
		Instance{Name: "c", Owner: "U2", Status: InstanceReady, OpID: "op-c", Created: clk.Now().Add(time.Minute)},
		Instance{Name: "d", Owner: "U10", Status: InstanceReady, OpID: "op-d"},
	)
	setOwner := func(owner string) func(*Instance) error {
		return func(i *Instance) error { i.Owner = owner; return nil }
	}
	steps := []struct {
		name string
		do   func() error
		want map[string][]string // owner -> names, live or not
		live map[string][]string // owner -> live names
	}{
		{
			name: "created",
			do:   func() error { return nil },
			want: map[string][]string{"U1": {"a", "b"}, "U2": {"c"}, "U10": {"d"}},
		},
		{
			name: "put with a new owner",
			do: func() error {
				return db.PutInstance(ctx, Instance{Name: "a", Owner: "U2", Status: InstanceReady, OpID: "op-a", Created: clk.Now()})
			},
			want: map[string][]string{"U1": {"b"}, "U2": {"a", "c"}, "U10": {"d"}},
		},
		{
			name: "update to a new owner",
			do:   func() error { _, err := db.UpdateInstance(ctx, "b", setOwner("U2")); return err },
			want: map[string][]string{"U1": nil, "U2": {"a", "b", "c"}, "U10": {"d"}},
		},
		{
			name: "destroy",
			do: func() error {
				_, err := db.UpdateInstance(ctx, "c", func(i *Instance) error { i.Status = InstanceDestroyed; return nil })
				return err
			},
			want: map[string][]string{"U2": {"a", "b", "c"}, "U10": {"d"}},
			live: map[string][]string{"U2": {"a", "b"}, "U10": {"d"}},
		},
		{
			name: "name reused by someone else",
			do: func() error {
				return db.CreateInstance(ctx, Instance{Name: "c", Owner: "U3", Status: InstanceCreating, Created: clk.Now()})
			},
			want: map[string][]string{"U2": {"a", "b"}, "U3": {"c"}, "U10": {"d"}},
		},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if s.live == nil {
			s.live = s.want
		}
		for owner, want := range s.want {
			if got := listNames(t, db, InstanceFilter{Owner: owner}); !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
				t.Errorf("%s: ListInstances(owner %s) = %q, want %q", s.name, owner, got, want)
			}
			if got := listNames(t, db, InstanceFilter{Owner: owner, LiveOnly: true}); !cmp.Equal(got, s.live[owner], cmpopts.EquateEmpty()) {
				t.Errorf("%s: ListInstances(owner %s, live) = %q, want %q", s.name, owner, got, s.live[owner])
			}
		}
	}
}

func TestListInstances(t *testing.T) {
	db, clk := openTest(t)
	t0 := clk.Now()
	mustCreate(t, db,
		Instance{Name: "late", Owner: "U1", Provider: "aws", Status: InstanceReady, Created: t0.Add(3 * time.Minute)},
		Instance{Name: "zeta", Owner: "U2", Provider: "hetzner", Status: InstanceReady, Created: t0.Add(time.Minute)},
		Instance{Name: "alpha", Owner: "U1", Provider: "hetzner", Status: InstanceCreating, Created: t0.Add(time.Minute)},
		Instance{Name: "gone", Owner: "U1", Provider: "aws", Status: InstanceDestroyed, Created: t0},
		Instance{Name: "broken", Owner: "U2", Provider: "digitalocean", Status: InstanceFailed, Created: t0.Add(2 * time.Minute)},
	)
	tests := []struct {
		f    InstanceFilter
		want []string
	}{
		{InstanceFilter{}, []string{"gone", "alpha", "zeta", "broken", "late"}},
		{InstanceFilter{LiveOnly: true}, []string{"alpha", "zeta", "late"}},
		{InstanceFilter{Owner: "U1"}, []string{"gone", "alpha", "late"}},
		{InstanceFilter{Owner: "U1", LiveOnly: true}, []string{"alpha", "late"}},
		{InstanceFilter{Provider: "hetzner"}, []string{"alpha", "zeta"}},
		{InstanceFilter{Owner: "U1", Provider: "aws", LiveOnly: true}, []string{"late"}},
		{InstanceFilter{Owner: "U9"}, nil},
		{InstanceFilter{Provider: "demo"}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.f), func(t *testing.T) {
			if got := listNames(t, db, tt.f); !cmp.Equal(got, tt.want) {
				t.Errorf("ListInstances(%+v) = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
}

func TestFindInstanceByCloudID(t *testing.T) {
	ctx := context.Background()
	db, clk := openTest(t)
	t0 := clk.Now()
	mustCreate(t, db,
		Instance{Name: "a", Provider: "hetzner", CloudID: "100", Status: InstanceReady},
		Instance{Name: "b", Provider: "aws", CloudID: "100", Status: InstanceReady},
		Instance{Name: "old", Provider: "digitalocean", CloudID: "7", Status: InstanceDestroyed, Created: t0.Add(time.Hour)},
		Instance{Name: "adopted", Provider: "digitalocean", CloudID: "7", Status: InstanceReady, Created: t0},
		Instance{Name: "older", Provider: "digitalocean", CloudID: "8", Status: InstanceFailed, Created: t0},
		Instance{Name: "newer", Provider: "digitalocean", CloudID: "8", Status: InstanceFailed, Created: t0.Add(time.Hour)},
		Instance{Name: "moved", Provider: "hetzner", CloudID: "200", Status: InstanceReady},
		Instance{Name: "pending", Provider: "hetzner", Status: InstanceCreating},
	)
	if _, err := db.UpdateInstance(ctx, "moved", func(i *Instance) error { i.CloudID = "201"; return nil }); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		provider, cloudID string
		want              string // instance name, empty for ErrNotFound
	}{
		{"hetzner", "100", "a"},
		{"aws", "100", "b"},
		{"digitalocean", "100", ""},
		{"digitalocean", "7", "adopted"},
		{"digitalocean", "8", "newer"},
		{"hetzner", "200", ""},
		{"hetzner", "201", "moved"},
		{"hetzner", "", ""},
		{"hetzner", "10", ""},
	}
	for _, tt := range tests {
		got, err := db.FindInstanceByCloudID(ctx, tt.provider, tt.cloudID)
		switch {
		case tt.want == "" && !errors.Is(err, ErrNotFound):
			t.Errorf("FindInstanceByCloudID(%q, %q) = %v, %v, want %v", tt.provider, tt.cloudID, got, err, ErrNotFound)
		case tt.want != "" && (err != nil || got.Name != tt.want):
			t.Errorf("FindInstanceByCloudID(%q, %q) = %v, %v, want %q", tt.provider, tt.cloudID, got, err, tt.want)
		}
	}
}

func TestUpdateInstance(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	orig := Instance{Name: "dev", Owner: "U1", Provider: "aws", CloudID: "i-1", Status: InstanceCreating}
	mustCreate(t, db, orig)
	stored, err := db.GetInstance(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	orig = *stored
	errNo := errors.New("no thanks")

	tests := []struct {
		name string
		fn   func(*Instance) error
		// wantFnErr is set when the error must be fn's, unwrapped.
		wantFnErr bool
	}{
		{
			name: "fn error",
			fn: func(i *Instance) error {
				i.Owner, i.CloudID, i.Status = "U2", "i-2", InstanceReady
				return errNo
			},
			wantFnErr: true,
		},
		{
			name: "rename",
			fn:   func(i *Instance) error { i.Name = "other"; return nil },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.UpdateInstance(ctx, "dev", tt.fn)
			if err == nil || got != nil {
				t.Fatalf("UpdateInstance(%q) = %v, %v, want an error", "dev", got, err)
			}
			if tt.wantFnErr && err != errNo {
				t.Errorf("UpdateInstance(%q) error = %#v, want fn's error as it is", "dev", err)
			}
			after, err := db.GetInstance(ctx, "dev")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(orig, *after); diff != "" {
				t.Errorf("instance after failed UpdateInstance (-want +got):\n%s", diff)
			}
			if got := listNames(t, db, InstanceFilter{Owner: "U2"}); got != nil {
				t.Errorf("ListInstances(owner U2) = %q, want none", got)
			}
			if _, err := db.FindInstanceByCloudID(ctx, "aws", "i-1"); err != nil {
				t.Errorf("FindInstanceByCloudID(aws, i-1) = %v", err)
			}
		})
	}
	t.Run("missing", func(t *testing.T) {
		called := false
		_, err := db.UpdateInstance(ctx, "nope", func(*Instance) error { called = true; return nil })
		if !errors.Is(err, ErrNotFound) || called {
			t.Errorf("UpdateInstance(%q) = %v (fn called: %v), want %v", "nope", err, called, ErrNotFound)
		}
	})
}

func TestUpdateInstanceConcurrent(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	mustCreate(t, db, Instance{Name: "dev", Owner: "U0", Status: InstanceReady})
	const workers, rounds = 16, 5
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for range rounds {
				_, err := db.UpdateInstance(ctx, "dev", func(i *Instance) error {
					i.PriceHourly++
					i.Owner = fmt.Sprintf("U%d", w)
					return nil
				})
				if err != nil {
					t.Errorf("UpdateInstance: %v", err)
				}
				if _, err := db.ListInstances(ctx, InstanceFilter{Owner: "U1"}); err != nil {
					t.Errorf("ListInstances: %v", err)
				}
			}
		})
	}
	wg.Wait()
	got, err := db.GetInstance(ctx, "dev")
	if err != nil {
		t.Fatal(err)
	}
	if got.PriceHourly != workers*rounds {
		t.Errorf("PriceHourly after %d increments = %v, want %d", workers*rounds, got.PriceHourly, workers*rounds)
	}
	all, err := db.ListInstances(ctx, InstanceFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for w := range workers {
		n += len(listNames(t, db, InstanceFilter{Owner: fmt.Sprintf("U%d", w)}))
	}
	if len(all) != 1 || n != 1 {
		t.Errorf("after concurrent owner changes: %d instances, %d owner index entries, want 1 and 1", len(all), n)
	}
}
