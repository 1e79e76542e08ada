package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCloudIsOneFolder keeps every cloud in its own package: no code
// outside providers/ names a registered cloud (or an alias), or one of its
// credential or endpoint variables, in a string literal. Everything else reads the
// registry. Test kits (directories ending in "test") may use the names as
// data.
func TestCloudIsOneFolder(t *testing.T) {
	names := map[string]string{} // literal -> cloud
	for _, c := range registry().Clouds() {
		names[c.Name] = c.Name
		for _, a := range c.Aliases {
			names[a] = c.Name
		}
		for _, v := range c.Endpoint {
			names[v] = c.Name
		}
		for _, cr := range c.Credentials {
			for _, v := range cr.Names() {
				names[v] = c.Name
			}
		}
	}
	delete(names, "demo") // the default cloud, which config names as such
	fset := token.NewFileSet()
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path == "providers" || strings.HasSuffix(path, "test") || strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if cloud, named := names[s]; err == nil && named {
				t.Errorf("%s names cloud %s (%q): read providers.Registered() instead", fset.Position(lit.Pos()), cloud, s)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
