package aws_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/spuffbot/spuffbot/providers"
)

func TestListInstancesPaginatesAndFilters(t *testing.T) {
	f := newFixture(t)
	f.emu.SetPageSize(2)
	var want []string
	for i := range 5 {
		want = append(want, f.create(t, request(fmt.Sprintf("box-%d", i), fmt.Sprintf("op-%d", i))).ID)
	}
	f.emu.AddInstance(testRegion, map[string]string{"Name": "not-ours"})
	f.emu.AddInstance(testRegion, map[string]string{"managed-by": "terraform"})
	gone := f.create(t, request("gone", "op-gone"))
	if err := f.p.DestroyInstance(t.Context(), gone.ID); err != nil {
		t.Fatal(err)
	}
	f.emu.ResetCalls()

	list, err := f.p.ListInstances(t.Context())
	if err != nil {
		t.Fatalf("ListInstances() error = %v", err)
	}
	var got []string
	for _, in := range list {
		got = append(got, in.ID)
	}
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ListInstances() ids mismatch (-want +got):\n%s", diff)
	}
	if calls := f.emu.Calls("DescribeInstances"); calls != 3 {
		t.Errorf("Calls(DescribeInstances) = %d, want 3 pages of at most 2", calls)
	}
}

func TestGetInstanceGone(t *testing.T) {
	f := newFixture(t)
	in := f.create(t, request("box", "op-1"))
	if err := f.p.DestroyInstance(t.Context(), in.ID); err != nil {
		t.Fatal(err)
	}
	purged := f.create(t, request("purged", "op-2"))
	if err := f.p.DestroyInstance(t.Context(), purged.ID); err != nil {
		t.Fatal(err)
	}
	f.emu.PurgeTerminated()
	for _, id := range []string{in.ID, purged.ID, "i-0123456789abcdef0", "not-an-id"} {
		t.Run(id, func(t *testing.T) {
			got, err := f.p.GetInstance(t.Context(), id)
			if got != nil || err != nil {
				t.Errorf("GetInstance(%q) = %+v, %v, want nil, nil", id, got, err)
			}
		})
	}
}

func TestGetInstanceJustTerminated(t *testing.T) {
	f := newFixture(t)
	in := f.create(t, request("box", "op-1"))
	if err := f.p.DestroyInstance(t.Context(), in.ID); err != nil {
		t.Fatal(err)
	}
	// EC2 shows it shutting-down first: spuff already counts it as gone.
	if got := f.emu.Instances()[0].State; got != "shutting-down" {
		t.Fatalf("emulator state = %q, want shutting-down", got)
	}
	if got, err := f.p.GetInstance(t.Context(), in.ID); got != nil || err != nil {
		t.Errorf("GetInstance(%q) = %+v, %v, want nil, nil", in.ID, got, err)
	}
}

func TestDestroyInstanceGone(t *testing.T) {
	f := newFixture(t)
	in := f.create(t, request("box", "op-1"))
	if err := f.p.DestroyInstance(t.Context(), in.ID); err != nil {
		t.Fatalf("DestroyInstance(%q) error = %v", in.ID, err)
	}
	f.emu.PurgeTerminated()
	for _, id := range []string{in.ID, "i-0123456789abcdef0", "garbage"} {
		if err := f.p.DestroyInstance(t.Context(), id); err != nil {
			t.Errorf("DestroyInstance(%q) error = %v, want nil", id, err)
		}
	}
}

func TestWaitReady(t *testing.T) {
	f := newFixture(t)
	f.emu.SetReadyAfter(20 * time.Millisecond)
	in := f.create(t, request("box", "op-1"))
	got, err := f.p.WaitReady(t.Context(), in.ID)
	if err != nil {
		t.Fatalf("WaitReady(%q) error = %v", in.ID, err)
	}
	if !got.Ready() || got.Status != providers.StatusActive {
		t.Errorf("WaitReady(%q) = %+v, want active with an IP", in.ID, got)
	}
	if calls := f.emu.Calls("DescribeInstances"); calls < 2 {
		t.Errorf("Calls(DescribeInstances) = %d, want several polls while pending", calls)
	}
}

func TestWaitReadyUnknownInstance(t *testing.T) {
	f := newFixture(t)
	// EC2 may not know a fresh instance for a moment; an instance that
	// stays unknown is ErrNotFound after a few polls, not a wait for ever.
	_, err := f.p.WaitReady(t.Context(), "i-0123456789abcdef0")
	if !errors.Is(err, providers.ErrNotFound) {
		t.Errorf("WaitReady(unknown) error = %v, want ErrNotFound", err)
	}
	if calls := f.emu.Calls("DescribeInstances"); calls < 2 {
		t.Errorf("Calls(DescribeInstances) = %d, want more than one poll before giving up", calls)
	}
}
