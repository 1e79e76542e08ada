package grammar_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// TestGrammarStandsAlone checks the dependency rule of the grammar: it
// reads the registry of clouds (for --provider names) and the edit
// distance of suggestions, and nothing else outside the standard library:
// no Service, no store, no chat library, no cloud SDK.
func TestGrammarStandsAlone(t *testing.T) {
	const module = "github.com/spuffbot/spuffbot"
	allowed := map[string]bool{
		module + "/commands/grammar": true,
		module + "/providers":        true,
		module + "/suggest":          true,
	}
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list imports with: %v", err)
	}
	args := []string{"list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}", module + "/commands/grammar"}
	out, err := exec.Command(gocmd, args...).Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, std, _ := strings.Cut(sc.Text(), " ")
		n++
		if std != "true" && !allowed[path] {
			t.Errorf("package grammar depends on %s, want only the standard library, providers and suggest", path)
		}
	}
	if n == 0 {
		t.Fatalf("go %s listed nothing", strings.Join(args, " "))
	}
}
