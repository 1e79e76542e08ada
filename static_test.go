package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// TestStaticBinary builds the binary exactly as the Dockerfile does and
// checks that it is static (no interpreter, no dynamic section), so it runs
// on the distroless/static base, and logs its size.
func TestStaticBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the release binary")
	}
	if runtime.GOOS != "linux" {
		t.Skip("ELF check is for linux")
	}
	out := filepath.Join(t.TempDir(), "spuffbot")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w -X main.version=test", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has an ELF interpreter: it is dynamically linked")
		}
	}
	if f.Section(".dynamic") != nil {
		t.Errorf("binary has a .dynamic section: it is dynamically linked")
	}
	fi, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	const maxSize = 80 << 20
	if fi.Size() > maxSize {
		t.Errorf("binary is %d MiB, want at most %d MiB", fi.Size()>>20, maxSize>>20)
	}
	t.Logf("static binary: %.1f MiB", float64(fi.Size())/(1<<20))
	v, err := exec.Command(out, "version").Output()
	if err != nil || string(v) != "spuffbot test\n" {
		t.Errorf("%s version = %q, %v; want \"spuffbot test\\n\"", out, v, err)
	}
}
