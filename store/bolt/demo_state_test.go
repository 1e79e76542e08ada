package bolt_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/spuffbot/spuffbot/providers"
	"github.com/spuffbot/spuffbot/providers/demo"
	"github.com/spuffbot/spuffbot/store/bolt"
)

// TestDemoStateAcrossRuns runs the demo cloud twice over one database
// file: the second run finds the first run's instance and snapshot, and
// its ids carry on.
func TestDemoStateAcrossRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "spuff.db")
	run := func(fn func(p *demo.Provider)) {
		t.Helper()
		db, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		defer db.Close()
		p := demo.New(demo.Config{})
		if err := p.Persist(db); err != nil {
			t.Fatalf("Persist: %v", err)
		}
		fn(p)
		if err := p.SaveErr(); err != nil {
			t.Fatalf("SaveErr() = %v", err)
		}
	}
	var box, snap string
	run(func(p *demo.Provider) {
		in, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "box", Size: "small", Region: "demo-eu",
			Labels: map[string]string{providers.LabelOwner: "U0ALICE"}})
		if err != nil {
			t.Fatal(err)
		}
		box = in.ID
		s, err := p.CreateSnapshot(ctx, providers.SnapshotRequest{InstanceID: box, Name: "box-snap"})
		if err != nil {
			t.Fatal(err)
		}
		snap = s.ID
		p.SetLoad(box, demo.BusyLoad)
	})
	run(func(p *demo.Provider) {
		in, err := p.GetInstance(ctx, box)
		if err != nil || in == nil || in.Name != "box" || in.Labels[providers.LabelOwner] != "U0ALICE" || !in.Ready() {
			t.Fatalf("second run: GetInstance(%s) = %+v, %v; want the first run's ready box", box, in, err)
		}
		snaps, err := p.ListSnapshots(ctx)
		if err != nil || len(snaps) != 1 || snaps[0].ID != snap {
			t.Fatalf("second run: ListSnapshots() = %+v, %v; want %s", snaps, err, snap)
		}
		other, err := p.CreateInstance(ctx, providers.InstanceRequest{Name: "other", Size: "small", Region: "demo-eu"})
		if err != nil || other.ID == box || other.IP == in.IP && other.IP != "" {
			t.Fatalf("second run: a new instance %+v, %v; want a fresh id and address", other, err)
		}
		if err := p.DestroyInstance(ctx, box); err != nil {
			t.Fatal(err)
		}
	})
	run(func(p *demo.Provider) {
		if in, err := p.GetInstance(ctx, box); err != nil || in != nil {
			t.Fatalf("third run: GetInstance(%s) = %+v, %v; want it gone", box, in, err)
		}
		list, err := p.ListInstances(ctx)
		if err != nil || len(list) != 1 || list[0].Name != "other" {
			t.Fatalf("third run: ListInstances() = %+v, %v; want only other", list, err)
		}
	})
}
