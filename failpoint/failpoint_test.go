package failpoint

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		name    string
		nth     int64
		wantErr bool
	}{
		{spec: "up-after-create", name: "up-after-create", nth: 1},
		{spec: "up-after-create@1", name: "up-after-create", nth: 1},
		{spec: "slash-before-ack@12", name: "slash-before-ack", nth: 12},
		{spec: "bot/root.v2", name: "bot/root.v2", nth: 1},
		{spec: "x@0", wantErr: true},
		{spec: "x@-1", wantErr: true},
		{spec: "x@", wantErr: true},
		{spec: "x@two", wantErr: true},
		{spec: "@3", wantErr: true},
		{spec: "Up", wantErr: true},
		{spec: "up after", wantErr: true},
		{spec: "a@b@2", wantErr: true},
	} {
		t.Run(tc.spec, func(t *testing.T) {
			p, err := parse(tc.spec)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("parse(%q) = %q@%d, want an error", tc.spec, p.name, p.nth)
				}
				if !strings.Contains(err.Error(), tc.spec) {
					t.Errorf("parse(%q) error %q does not quote the spec", tc.spec, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse(%q) = %v, want %s@%d", tc.spec, err, tc.name, tc.nth)
			}
			if p.name != tc.name || p.nth != tc.nth {
				t.Errorf("parse(%q) = %s@%d, want %s@%d", tc.spec, p.name, p.nth, tc.name, tc.nth)
			}
		})
	}
}

// record replaces kill for the test and returns the points that fired.
func record(t *testing.T) *[]string {
	t.Helper()
	var fired []string
	old := kill
	kill = func(name string) { fired = append(fired, name) }
	t.Cleanup(func() {
		kill = old
		armed.Store(nil)
	})
	return &fired
}

func TestInject(t *testing.T) {
	for _, tc := range []struct {
		spec string
		hits []string // Inject calls, in order
		want []string // points that fire
	}{
		{"", []string{"a", "a", "b"}, nil},
		{"a", []string{"b", "a", "a"}, []string{"a"}},
		{"a@3", []string{"a", "b", "a", "a", "a"}, []string{"a"}},
		{"a@3", []string{"a", "a", "b"}, nil},
		{"ab", []string{"a", "abc"}, nil},
	} {
		t.Run(fmt.Sprintf("%s/%s", tc.spec, strings.Join(tc.hits, ",")), func(t *testing.T) {
			fired := record(t)
			if err := Enable(tc.spec); err != nil {
				t.Fatalf("Enable(%q) = %v", tc.spec, err)
			}
			for _, h := range tc.hits {
				Inject(h)
			}
			if strings.Join(*fired, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Enable(%q), Inject %v: fired %v, want %v", tc.spec, tc.hits, *fired, tc.want)
			}
		})
	}
}

func TestEnableMalformedDisarms(t *testing.T) {
	fired := record(t)
	if err := Enable("a"); err != nil {
		t.Fatal(err)
	}
	if err := Enable("a@0"); err == nil {
		t.Fatalf("Enable(%q) = nil, want an error", "a@0")
	}
	Inject("a")
	if len(*fired) != 0 {
		t.Errorf("after a malformed Enable, Inject(%q) fired", "a")
	}
}

func TestInjectDisarmedAllocatesNothing(t *testing.T) {
	record(t)
	for _, spec := range []string{"", "other"} {
		if err := Enable(spec); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { Inject("up-after-create") }); n != 0 {
			t.Errorf("Inject with %q armed allocates %v times, want 0", spec, n)
		}
	}
}

// childEnv makes the test binary act as the process that crashes.
const childEnv = "FAILPOINT_TEST_CHILD"

// TestCrashChild is the crashing process of TestInjectKillsProcess; run
// on its own it does nothing.
func TestCrashChild(t *testing.T) {
	if os.Getenv(childEnv) == "" {
		t.Skip("only run as the child of TestInjectKillsProcess")
	}
	if err := Enable(os.Getenv(EnvVar)); err != nil {
		t.Fatal(err)
	}
	defer fmt.Println("deferred function ran") // a real crash skips it
	for i := 1; i <= 3; i++ {
		fmt.Printf("reaching the point, time %d\n", i)
		Inject("child-point")
	}
	fmt.Println("survived")
}

func TestInjectKillsProcess(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("SIGKILL is a unix signal")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1", EnvVar+"=child-point@2")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()

	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("child ended with %v, want death by SIGKILL\nstdout:\n%s", err, stdout.String())
	}
	ws, ok := exit.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want death by SIGKILL\nstdout:\n%s\nstderr:\n%s", exit, stdout.String(), stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, "time 2") || strings.Contains(out, "time 3") {
		t.Errorf("child output:\n%s\nwant it killed on the second hit of the point", out)
	}
	for _, never := range []string{"survived", "deferred function ran"} {
		if strings.Contains(out, never) {
			t.Errorf("child printed %q: it was not killed at once", never)
		}
	}
	if want := "failpoint child-point: killing the process"; !strings.Contains(stderr.String(), want) {
		t.Errorf("child stderr = %q, want it to contain %q", stderr.String(), want)
	}
}

func BenchmarkInjectDisarmed(b *testing.B) {
	if err := Enable(""); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		Inject("up-after-create")
	}
}

func BenchmarkInjectOtherArmed(b *testing.B) {
	if err := Enable("other"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { armed.Store(nil) })
	for b.Loop() {
		Inject("up-after-create")
	}
}
