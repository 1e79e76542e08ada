package etcdstore

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spuffbot/spuffbot/store"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdhttp"
	"github.com/spuffbot/spuffbot/store/etcdstore/etcdtest"
)

func TestOpen(t *testing.T) {
	ctx := context.Background()
	endpoints := etcdtest.Start(t)

	t.Run("records the schema version", func(t *testing.T) {
		s, err := Open(ctx, Config{Endpoints: endpoints, Prefix: "/schema-new"})
		if err != nil {
			t.Fatalf("Open = %v", err)
		}
		defer s.Close()
		resp, err := s.Client().Get(ctx, "/schema-new/meta/schema_version")
		if err != nil || len(resp.Kvs) != 1 || string(resp.Kvs[0].Value) != "1" {
			t.Errorf("schema version after Open = %v, %v, want 1", resp, err)
		}
	})
	t.Run("refuses a newer schema", func(t *testing.T) {
		s, err := Open(ctx, Config{Endpoints: endpoints, Prefix: "/schema-newer/"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Client().Put(ctx, "/schema-newer/meta/schema_version", "2"); err != nil {
			t.Fatal(err)
		}
		s.Close()
		if s, err := Open(ctx, Config{Endpoints: endpoints, Prefix: "/schema-newer/"}); !errors.Is(err, errSchemaTooNew) {
			if err == nil {
				s.Close()
			}
			t.Errorf("Open of schema 2 = %v, want %v", err, errSchemaTooNew)
		}
	})
	t.Run("needs endpoints", func(t *testing.T) {
		if s, err := Open(ctx, Config{}); err == nil {
			s.Close()
			t.Errorf("Open(no endpoints) = nil error, want one")
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		s, err := Open(ctx, Config{Endpoints: []string{addr}, DialTimeout: 200 * time.Millisecond})
		if err == nil {
			s.Close()
			t.Fatalf("Open(%s), nothing listening = nil error, want one", addr)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Open(%s), nothing listening = %v, want %v", addr, err, context.DeadlineExceeded)
		}
	})
}

func TestTimeKeyOrder(t *testing.T) {
	base := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	times := []time.Time{
		{},
		time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Unix(0, 0),
		time.Unix(0, 1),
		base,
		base.Add(time.Nanosecond),
		base.Add(time.Second),
		base.Add(100 * 365 * 24 * time.Hour),
	}
	for i := 1; i < len(times); i++ {
		if a, b := timeKey(times[i-1]), timeKey(times[i]); a >= b {
			t.Errorf("timeKey(%v) = %s, not below timeKey(%v) = %s", times[i-1], a, times[i], b)
		}
	}
}

// TestIndexKeys follows the index keys through owner and cloud id
// changes, a replacement and a rename attempt: every index key names a
// record that carries it, and every record has its keys.
func TestIndexKeys(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, Config{Endpoints: etcdtest.Start(t), Prefix: "/index"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	steps := []struct {
		name string
		do   func() error
		want []string // index keys under the prefix, sorted
	}{
		{
			name: "created",
			do: func() error {
				return s.CreateInstance(ctx, store.Instance{Name: "dev", Owner: "U1", Provider: "aws", CloudID: "i-1", Status: store.InstanceReady, OpID: "op-1"})
			},
			want: []string{"instances_by_cloud_id/aws/i-1/dev", "instances_by_owner/U1/dev"},
		},
		{
			name: "owner and cloud id changed",
			do: func() error {
				_, err := s.UpdateInstance(ctx, "dev", func(i *store.Instance) error { i.Owner, i.CloudID = "U 2", "i/2"; return nil })
				return err
			},
			want: []string{"instances_by_cloud_id/aws/i%2F2/dev", "instances_by_owner/U%202/dev"},
		},
		{
			name: "same keys again",
			do: func() error {
				_, err := s.UpdateInstance(ctx, "dev", func(i *store.Instance) error { i.IP = "203.0.113.1"; return nil })
				return err
			},
			want: []string{"instances_by_cloud_id/aws/i%2F2/dev", "instances_by_owner/U%202/dev"},
		},
		{
			name: "cloud id dropped by a put",
			do: func() error {
				return s.PutInstance(ctx, store.Instance{Name: "dev", Owner: "U 2", Provider: "aws", Status: store.InstanceDestroyed, OpID: "op-1"})
			},
			want: []string{"instances_by_owner/U%202/dev"},
		},
		{
			name: "replaced by another owner's",
			do: func() error {
				return s.CreateInstance(ctx, store.Instance{Name: "dev", Owner: "U3", Provider: "hetzner", CloudID: "9", Status: store.InstanceCreating})
			},
			want: []string{"instances_by_cloud_id/hetzner/9/dev", "instances_by_owner/U3/dev"},
		},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var got []string
		for _, dir := range []string{"instances_by_cloud_id", "instances_by_owner"} {
			resp, err := s.Client().Get(ctx, s.keys.dir(dir), etcdhttp.WithPrefix(), etcdhttp.WithKeysOnly())
			if err != nil {
				t.Fatal(err)
			}
			for _, kv := range resp.Kvs {
				got = append(got, strings.TrimPrefix(string(kv.Key), "/index/"))
			}
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: index keys = %q, want %q", st.name, got, st.want)
		}
	}
}
