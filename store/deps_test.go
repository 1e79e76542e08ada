package store_test

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
)

// module is the path the packages below are named under.
const module = "github.com/spuffbot/spuffbot"

// deps returns the packages pkgs import, directly or not, each with
// whether it is in the standard library, as the go command lists them.
func deps(t *testing.T, pkgs ...string) map[string]bool {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to list imports with: %v", err)
	}
	args := append([]string{"list", "-deps", "-f", "{{.ImportPath}} {{.Standard}}"}, pkgs...)
	out, err := exec.Command(gocmd, args...).Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	got := make(map[string]bool)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		path, std, _ := strings.Cut(sc.Text(), " ")
		got[path] = std == "true"
	}
	if len(got) == 0 {
		t.Fatalf("go %s listed nothing", strings.Join(args, " "))
	}
	return got
}

// TestRecordsImportOnlyTheStandardLibrary keeps package store free of
// databases: it holds the records everyone names.
func TestRecordsImportOnlyTheStandardLibrary(t *testing.T) {
	for path, std := range deps(t, module+"/store") {
		if !std && path != module+"/store" {
			t.Errorf("package store depends on %s, want the standard library only", path)
		}
	}
}

// TestDomainAndFrontEndsImportNoDatabase checks the dependency rule: the
// domain and the front ends reach the records through package store and
// never pull in a backend (bbolt, etcd or their spuffbot packages); only
// the wiring in package main picks one.
func TestDomainAndFrontEndsImportNoDatabase(t *testing.T) {
	banned := []string{"go.etcd.io/", module + "/store/bolt", module + "/store/etcdstore"}
	for _, pkg := range []string{"commands", "bot", "console"} {
		for path := range deps(t, module+"/"+pkg) {
			for _, b := range banned {
				if strings.HasPrefix(path, b) {
					t.Errorf("package %s depends on %s, want no database backend", pkg, path)
				}
			}
		}
	}
}
