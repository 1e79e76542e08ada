package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spuffbot/spuffbot/store"
)

func testCreateInstance(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name    string
		old     *store.Instance
		inst    store.Instance
		wantErr error
	}{
		{name: "new", inst: store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceCreating}},
		{
			name: "new with every field",
			inst: store.Instance{
				Name: "dev", Provider: "hetzner", CloudID: "4711", Owner: "U1", Channel: "C1", ThreadTS: "1.2",
				Size: "cx22", Region: "fsn1", Image: "ubuntu-24.04", IP: "203.0.113.7", PriceHourly: 0.0071,
				Created: t0, LeaseExpiry: t0.Add(8 * time.Hour), WarnedAt: t0.Add(7 * time.Hour),
				Status: store.InstanceReady, OpID: "op-1",
			},
		},
		{
			name:    "live name taken",
			old:     &store.Instance{Name: "dev", Owner: "U2", Status: store.InstanceReady},
			inst:    store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceCreating},
			wantErr: store.ErrExists,
		},
		{
			name:    "destroying is still live",
			old:     &store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceDestroying},
			inst:    store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceCreating},
			wantErr: store.ErrExists,
		},
		{
			name: "destroyed is replaced",
			old:  &store.Instance{Name: "dev", Owner: "U2", Status: store.InstanceDestroyed},
			inst: store.Instance{Name: "dev", Owner: "U1", Status: store.InstanceCreating},
		},
		{
			name: "failed is replaced",
			old:  &store.Instance{Name: "dev", Owner: "U1", Provider: "aws", Status: store.InstanceFailed, CloudID: "9"},
			inst: store.Instance{Name: "dev", Owner: "U1", Provider: "aws", Status: store.InstanceCreating},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if tt.old != nil {
				mustCreate(t, s, *tt.old)
			}
			before := mustGetOrZero(t, s, "dev")
			w := around()
			err := s.CreateInstance(ctx, tt.inst)
			w.close()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("CreateInstance(%+v) = %v, want %v", tt.inst, err, tt.wantErr)
			}
			got := mustGet(t, s, "dev")
			want := before
			if err == nil {
				want = tt.inst
				if want.Created.IsZero() {
					w.check(t, "Created", got.Created)
					want.Created = got.Created
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("GetInstance after CreateInstance (-want +got):\n%s", diff)
			}
			if got := listNames(t, s, store.InstanceFilter{Owner: want.Owner}); !cmp.Equal(got, []string{"dev"}) {
				t.Errorf("ListInstances(owner %s) = %q, want [dev]", want.Owner, got)
			}
			if tt.old != nil && tt.old.Owner != want.Owner {
				if got := listNames(t, s, store.InstanceFilter{Owner: tt.old.Owner}); got != nil {
					t.Errorf("ListInstances(owner %s) = %q, want none", tt.old.Owner, got)
				}
			}
			if tt.old != nil && tt.old.CloudID != "" && tt.old.CloudID != want.CloudID {
				if _, err := s.FindInstanceByCloudID(ctx, tt.old.Provider, tt.old.CloudID); !errors.Is(err, store.ErrNotFound) {
					t.Errorf("FindInstanceByCloudID of the replaced record = %v, want %v", err, store.ErrNotFound)
				}
			}
		})
	}
	t.Run("needs a name", func(t *testing.T) {
		if err := open(t).CreateInstance(context.Background(), store.Instance{Owner: "U1"}); err == nil {
			t.Errorf("CreateInstance(no name) = nil, want an error")
		}
	})
}

// mustGetOrZero returns the instance called name, or the zero Instance if
// there is none.
func mustGetOrZero(t *testing.T, s Store, name string) store.Instance {
	t.Helper()
	inst, err := s.GetInstance(context.Background(), name)
	if errors.Is(err, store.ErrNotFound) {
		return store.Instance{}
	}
	if err != nil {
		t.Fatalf("GetInstance(%q) = %v", name, err)
	}
	return *inst
}

func testPutInstance(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name    string
		old     *store.Instance
		inst    store.Instance
		wantErr error
	}{
		{
			name: "new",
			inst: store.Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: store.InstanceCreating},
		},
		{
			name: "same operation replaces",
			old:  &store.Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: store.InstanceCreating},
			inst: store.Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: store.InstanceReady, IP: "203.0.113.9"},
		},
		{
			name:    "other operation's live instance",
			old:     &store.Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: store.InstanceReady},
			inst:    store.Instance{Name: "dev", Owner: "U2", OpID: "op-2", Status: store.InstanceCreating},
			wantErr: store.ErrExists,
		},
		{
			name: "other operation's destroyed instance",
			old:  &store.Instance{Name: "dev", Owner: "U1", OpID: "op-1", Status: store.InstanceDestroyed},
			inst: store.Instance{Name: "dev", Owner: "U2", OpID: "op-2", Status: store.InstanceCreating},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if tt.old != nil {
				mustCreate(t, s, *tt.old)
			}
			err := s.PutInstance(ctx, tt.inst)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("PutInstance(%+v) = %v, want %v", tt.inst, err, tt.wantErr)
			}
			want := tt.inst
			if err != nil {
				want = *tt.old
			}
			got := mustGet(t, s, "dev")
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(store.Instance{}, "Created")); diff != "" {
				t.Errorf("GetInstance after PutInstance (-want +got):\n%s", diff)
			}
			if got.Created.IsZero() {
				t.Errorf("GetInstance after PutInstance: Created is zero, want now")
			}
			if got := listNames(t, s, store.InstanceFilter{Owner: want.Owner}); !cmp.Equal(got, []string{"dev"}) {
				t.Errorf("ListInstances(owner %s) = %q, want [dev]", want.Owner, got)
			}
		})
	}
	t.Run("needs a name", func(t *testing.T) {
		if err := open(t).PutInstance(context.Background(), store.Instance{Owner: "U1"}); err == nil {
			t.Errorf("PutInstance(no name) = nil, want an error")
		}
	})
}

func testGetInstanceNotFound(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	mustCreate(t, s, store.Instance{Name: "devbox", Owner: "U1", Status: store.InstanceReady})
	for _, name := range []string{"nope", "dev", "devbox2", ""} {
		if got, err := s.GetInstance(context.Background(), name); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("GetInstance(%q) = %+v, %v, want %v", name, got, err, store.ErrNotFound)
		}
	}
}

// testOwnerIndex follows the owner index through owner changes, a destroy
// and the reuse of a destroyed instance's name. U1 and U10 share a prefix
// on purpose.
func testOwnerIndex(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	mustCreate(t, s,
		store.Instance{Name: "a", Owner: "U1", Status: store.InstanceReady, OpID: "op-a", Created: t0},
		store.Instance{Name: "b", Owner: "U1", Status: store.InstanceReady, OpID: "op-b", Created: t0},
		store.Instance{Name: "c", Owner: "U2", Status: store.InstanceReady, OpID: "op-c", Created: t0.Add(time.Minute)},
		store.Instance{Name: "d", Owner: "U10", Status: store.InstanceReady, OpID: "op-d", Created: t0},
	)
	setOwner := func(owner string) func(*store.Instance) error {
		return func(i *store.Instance) error { i.Owner = owner; return nil }
	}
	steps := []struct {
		name string
		do   func() error
		want map[string][]string // owner -> names, live or not
		live map[string][]string // owner -> live names; nil means want
	}{
		{
			name: "created",
			do:   func() error { return nil },
			want: map[string][]string{"U1": {"a", "b"}, "U2": {"c"}, "U10": {"d"}},
		},
		{
			name: "put with a new owner",
			do: func() error {
				return s.PutInstance(ctx, store.Instance{Name: "a", Owner: "U2", Status: store.InstanceReady, OpID: "op-a", Created: t0})
			},
			want: map[string][]string{"U1": {"b"}, "U2": {"a", "c"}, "U10": {"d"}},
		},
		{
			name: "update to a new owner",
			do:   func() error { _, err := s.UpdateInstance(ctx, "b", setOwner("U2")); return err },
			want: map[string][]string{"U1": nil, "U2": {"a", "b", "c"}, "U10": {"d"}},
		},
		{
			name: "update keeping the owner",
			do: func() error {
				_, err := s.UpdateInstance(ctx, "b", func(i *store.Instance) error { i.IP = "203.0.113.2"; return nil })
				return err
			},
			want: map[string][]string{"U1": nil, "U2": {"a", "b", "c"}, "U10": {"d"}},
		},
		{
			name: "destroy",
			do: func() error {
				_, err := s.UpdateInstance(ctx, "c", func(i *store.Instance) error { i.Status = store.InstanceDestroyed; return nil })
				return err
			},
			want: map[string][]string{"U2": {"a", "b", "c"}, "U10": {"d"}},
			live: map[string][]string{"U2": {"a", "b"}, "U10": {"d"}},
		},
		{
			name: "name reused by someone else",
			do: func() error {
				return s.CreateInstance(ctx, store.Instance{Name: "c", Owner: "U3", Status: store.InstanceCreating, Created: t0.Add(time.Hour)})
			},
			want: map[string][]string{"U2": {"a", "b"}, "U3": {"c"}, "U10": {"d"}},
		},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if st.live == nil {
			st.live = st.want
		}
		for owner, want := range st.want {
			if got := listNames(t, s, store.InstanceFilter{Owner: owner}); !cmp.Equal(got, want, cmpopts.EquateEmpty()) {
				t.Errorf("%s: ListInstances(owner %s) = %q, want %q", st.name, owner, got, want)
			}
			if got := listNames(t, s, store.InstanceFilter{Owner: owner, LiveOnly: true}); !cmp.Equal(got, st.live[owner], cmpopts.EquateEmpty()) {
				t.Errorf("%s: ListInstances(owner %s, live) = %q, want %q", st.name, owner, got, st.live[owner])
			}
		}
	}
}

func testListInstances(t *testing.T, open func(t *testing.T) Store) {
	s := open(t)
	mustCreate(t, s,
		store.Instance{Name: "late", Owner: "U1", Provider: "aws", Status: store.InstanceReady, Created: t0.Add(3 * time.Minute)},
		store.Instance{Name: "zeta", Owner: "U2", Provider: "hetzner", Status: store.InstanceReady, Created: t0.Add(time.Minute)},
		store.Instance{Name: "alpha", Owner: "U1", Provider: "hetzner", Status: store.InstanceCreating, Created: t0.Add(time.Minute)},
		store.Instance{Name: "gone", Owner: "U1", Provider: "aws", Status: store.InstanceDestroyed, Created: t0},
		store.Instance{Name: "broken", Owner: "U2", Provider: "digitalocean", Status: store.InstanceFailed, Created: t0.Add(2 * time.Minute)},
		store.Instance{Name: "other", Owner: "U10", Provider: "aws", Status: store.InstanceReady, Created: t0.Add(4 * time.Minute)},
	)
	tests := []struct {
		f    store.InstanceFilter
		want []string
	}{
		{store.InstanceFilter{}, []string{"gone", "alpha", "zeta", "broken", "late", "other"}},
		{store.InstanceFilter{LiveOnly: true}, []string{"alpha", "zeta", "late", "other"}},
		{store.InstanceFilter{Owner: "U1"}, []string{"gone", "alpha", "late"}},
		{store.InstanceFilter{Owner: "U1", LiveOnly: true}, []string{"alpha", "late"}},
		{store.InstanceFilter{Provider: "hetzner"}, []string{"alpha", "zeta"}},
		{store.InstanceFilter{Owner: "U1", Provider: "aws", LiveOnly: true}, []string{"late"}},
		{store.InstanceFilter{Owner: "U9"}, nil},
		{store.InstanceFilter{Owner: "U"}, nil},
		{store.InstanceFilter{Provider: "demo"}, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%+v", tt.f), func(t *testing.T) {
			if got := listNames(t, s, tt.f); !cmp.Equal(got, tt.want) {
				t.Errorf("ListInstances(%+v) = %q, want %q", tt.f, got, tt.want)
			}
		})
	}
}

func testFindInstanceByCloudID(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	s := open(t)
	mustCreate(t, s,
		store.Instance{Name: "a", Provider: "hetzner", CloudID: "100", Status: store.InstanceReady},
		store.Instance{Name: "b", Provider: "aws", CloudID: "100", Status: store.InstanceReady},
		store.Instance{Name: "old", Provider: "digitalocean", CloudID: "7", Status: store.InstanceDestroyed, Created: t0.Add(time.Hour)},
		store.Instance{Name: "adopted", Provider: "digitalocean", CloudID: "7", Status: store.InstanceReady, Created: t0},
		store.Instance{Name: "older", Provider: "digitalocean", CloudID: "8", Status: store.InstanceFailed, Created: t0},
		store.Instance{Name: "newer", Provider: "digitalocean", CloudID: "8", Status: store.InstanceFailed, Created: t0.Add(time.Hour)},
		store.Instance{Name: "moved", Provider: "hetzner", CloudID: "200", Status: store.InstanceReady},
		store.Instance{Name: "pending", Provider: "hetzner", Status: store.InstanceCreating},
		store.Instance{Name: "slashed", Provider: "aws", CloudID: "a/b", Status: store.InstanceReady},
	)
	if _, err := s.UpdateInstance(ctx, "moved", func(i *store.Instance) error { i.CloudID = "201"; return nil }); err != nil {
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
		{"hetzner", "1", ""},
		{"aws", "a/b", "slashed"},
		{"aws", "a", ""},
	}
	for _, tt := range tests {
		got, err := s.FindInstanceByCloudID(ctx, tt.provider, tt.cloudID)
		switch {
		case tt.want == "" && !errors.Is(err, store.ErrNotFound):
			t.Errorf("FindInstanceByCloudID(%q, %q) = %+v, %v, want %v", tt.provider, tt.cloudID, got, err, store.ErrNotFound)
		case tt.want != "" && (err != nil || got.Name != tt.want):
			t.Errorf("FindInstanceByCloudID(%q, %q) = %+v, %v, want %q", tt.provider, tt.cloudID, got, err, tt.want)
		}
	}
}
