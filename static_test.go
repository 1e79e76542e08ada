package main

import (
	"bufio"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// maxReleaseSize is the largest release binary TestStaticBinary accepts:
// 20 MB, so that the image (the binary and about 2 MB of distroless base)
// stays near 20 MB. The README's Performance section says what the binary
// is made of. The limit catches a regression such as etcd's gRPC client
// (+3.2 MB), the AWS SDK's default credential chain with its SSO clients
// (+1.2 MB) or html/template (58 MB) coming back.
const maxReleaseSize = 20_000_000

// TestStaticBinary builds the binary exactly as the Dockerfile does (the
// command is read from it) and checks that it is static (no interpreter,
// no dynamic section), so it runs on the distroless/static base, that it
// is no bigger than maxReleaseSize, and that it runs.
func TestStaticBinary(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("ELF check is for linux")
	}
	out := releaseBinary(t)
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
	if fi.Size() > maxReleaseSize {
		t.Errorf("release binary is %.1f MB, want at most %.1f MB", float64(fi.Size())/1e6, float64(maxReleaseSize)/1e6)
	}
	t.Logf("static binary: %.1f MB", float64(fi.Size())/1e6)
	v, err := exec.Command(out, "version").Output()
	if err != nil || string(v) != "spuffbot "+releaseVersion+"\n" {
		t.Errorf("%s version = %q, %v; want \"spuffbot %s\\n\"", out, v, err, releaseVersion)
	}
}

// TestReleaseLinksNoTemplates checks that the release build (the
// Dockerfile's tags) does not link html/template or text/template: their
// reflective method calls switch off the linker's dead-code elimination of
// methods, which keeps every method of the cloud SDK clients in the
// binary.
func TestReleaseLinksNoTemplates(t *testing.T) {
	if testing.Short() {
		t.Skip("lists the release build's packages")
	}
	b := dockerBuild(t)
	args := []string{"list", "-deps"}
	if i := slices.Index(b.args, "-tags"); i >= 0 {
		args = append(args, "-tags", b.args[i+1])
	}
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Env = append(os.Environ(), b.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "html/template" || pkg == "text/template" {
			t.Errorf("the release build links %s", pkg)
		}
	}
}

// releaseVersion is the VERSION the tests build the release binary with.
const releaseVersion = "test"

// release holds the release binary, built once per test binary.
var release struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// releaseBinary builds the binary as the Dockerfile does, once, and
// returns its path.
func releaseBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the release binary")
	}
	b := dockerBuild(t)
	release.once.Do(func() {
		if release.dir, release.err = os.MkdirTemp("", "spuffbot-release-"); release.err != nil {
			return
		}
		release.path = filepath.Join(release.dir, "spuffbot")
		args := slices.Clone(b.args)
		args[slices.Index(args, "-o")+1] = release.path
		for i, a := range args {
			args[i] = strings.ReplaceAll(a, "${VERSION}", releaseVersion)
		}
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), b.env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			release.err = fmt.Errorf("go %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	})
	if release.err != nil {
		t.Fatal(release.err)
	}
	return release.path
}

// build is a go build command: its environment assignments and its
// arguments after "go".
type build struct {
	env  []string
	args []string
}

// dockerBuild returns the Dockerfile's `RUN ... go build` command.
func dockerBuild(t testing.TB) build {
	t.Helper()
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		words := shellWords(strings.TrimSpace(sc.Text()))
		if len(words) == 0 || words[0] != "RUN" {
			continue
		}
		var b build
		words = words[1:]
		for len(words) > 0 && strings.Contains(words[0], "=") {
			b.env, words = append(b.env, words[0]), words[1:]
		}
		if len(words) > 2 && words[0] == "go" && words[1] == "build" && slices.Contains(words, "-o") {
			b.args = words[1:]
			return b
		}
	}
	t.Fatal("Dockerfile has no RUN ... go build ... -o line")
	return build{}
}

// shellWords splits s into words as a shell would for the simple commands
// of the Dockerfile: on spaces, with double quotes grouping.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	in, quoted := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words, in = append(words, w.String()), false
				w.Reset()
			}
		default:
			w.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, w.String())
	}
	return words
}
