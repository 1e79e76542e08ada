package cloudinit

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v3"
)

// laughs returns extra YAML whose aliases expand to 10^levels nodes.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := range 10 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

func TestValidateExtra(t *testing.T) {
	tests := []struct {
		name  string
		extra string
		want  string // fragment of the error message; empty means valid
	}{
		{"empty", "", ""},
		{"blank", "  \n\n", ""},
		{"only comments", "#cloud-config\n# nothing yet\n", ""},
		{"new scalar", "#cloud-config\ntimezone: Europe/Berlin\n", ""},
		{"override scalar", "package_update: false\nssh_pwauth: false\n", ""},
		{"packages", "packages: [vim, htop]\n", ""},
		{"runcmd", "runcmd:\n  - echo hi\n  - [sh, -c, 'echo hi']\n", ""},
		{"users appended", "users: [default]\n", ""},
		{"nested mapping", "apt:\n  conf: |\n    APT::Install-Recommends \"0\";\n", ""},
		{"aliases", "a: &x {k: v}\nb: *x\n", ""},
		{"explicit tags", "a: !!str 123\nb: !!binary aGk=\n", ""},
		{"list root", "- a\n- b\n", "line 1: a list, want a mapping"},
		{"scalar root", "just some text", "a scalar, want a mapping"},
		{"null root", "~\n", "null, want a mapping"},
		{"broken YAML", "packages: [vim\n", "yaml:"},
		{"tab indentation", "runcmd:\n\t- echo hi\n", "yaml:"},
		{"two documents", "a: 1\n---\nb: 2\n", "line 2: a second YAML document"},
		{"broken second document", "a: 1\n---\nb: [\n", "yaml:"},
		{"packages as scalar", "packages: vim\n", `line 1: "packages" is a scalar, but a list in the generated document`},
		{"runcmd as mapping", "runcmd: {a: b}\n", `"runcmd" is a mapping, but a list`},
		{"users null", "users:\n", `"users" is null, but a list`},
		{"scalar over list", "package_update: [true]\n", `"package_update" is a list, but a scalar`},
		{"hostname", "hostname: box\n", `"hostname" is set per instance`},
		{"fqdn", "fqdn: box.example.com\n", `"fqdn" is set per instance`},
		{"marker replaced", "write_files:\n  - path: /etc/motd\n  - path: /etc/spuff/instance.json\n    content: '{}'\n",
			"line 3: write_files must not replace /etc/spuff/instance.json"},
		{"marker replaced by a longer path", "write_files: [{path: /etc/spuff/../spuff//instance.json}]\n", "must not replace"},
		{"bad binary", "a: !!binary 0\n", "line 1: yaml: !!binary value contains invalid base64 data"},
		{"bad int", "a:\n  - !!int abc\n", "line 2: yaml: cannot decode !!str `abc` as a !!int"},
		{"custom tag", "a: !shell echo\n", `line 1: tag "!shell" is not one cloud-init reads`},
		{"python tag", "a: !!python/object:os.system x\n", "is not one cloud-init reads"},
		{"merge key", "base: &b {x: 1}\nother:\n  <<: *b\n", "line 3: merge keys (<<) are not supported"},
		{"duplicate key", "timezone: UTC\ntimezone: CET\n", `line 2: key "timezone" appears twice`},
		{"duplicate nested key", "apt:\n  a: 1\n  a: 2\n", `key "a" appears twice`},
		{"self-referencing alias", "a: &x [1, *x]\n", "refers to a node that contains it"},
		{"alias bomb", laughs(6), "more than 10000 nodes"},
		{"numeric top-level key", "1: x\n", `line 1: top-level key "1" is not a string`},
		{"list top-level key", "? [a]\n: x\n", "line 1: a mapping key is a list, want a scalar"},
		{"mapping nested key", "a:\n  {k: v}: x\n", "line 2: a mapping key is a mapping, want a scalar"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateExtra(tc.extra)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateExtra(%q) = %v, want nil", tc.extra, err)
				}
			} else if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ValidateExtra(%q) = %v, want an ErrInvalid error containing %q", tc.extra, err, tc.want)
			}

			// Render agrees with ValidateExtra.
			cfg := validConfig(t)
			cfg.Extra = tc.extra
			out, rerr := Render(cfg)
			if (rerr == nil) != (err == nil) || (err != nil && rerr.Error() != err.Error()) {
				t.Fatalf("Render with Extra %q = %v, ValidateExtra = %v; want the same", tc.extra, rerr, err)
			}
			if rerr == nil {
				doc := parseDoc(t, out)
				devUser(t, doc)
				markerOf(t, doc)
			}
		})
	}
}

func TestMerge(t *testing.T) {
	tests := []struct {
		name, base, extra, want string
	}{
		{"new key", "a: 1\n", "b: 2\n", "a: 1\nb: 2\n"},
		{"scalar replaced", "a: 1\nb: x\n", "a: 2\n", "a: 2\nb: x\n"},
		{"list appended", "l: [1, 2]\n", "l: [3]\n", "l: [1, 2, 3]\n"},
		{"empty list appends nothing", "l: [1]\n", "l: []\n", "l: [1]\n"},
		{"mappings merged recursively", "m: {a: 1, n: {x: 1, l: [a]}}\n", "m: {b: 2, n: {y: 2, l: [b]}}\n",
			"m: {a: 1, b: 2, n: {x: 1, y: 2, l: [a, b]}}\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var base yaml.Node
			if err := yaml.Unmarshal([]byte(tc.base), &base); err != nil {
				t.Fatal(err)
			}
			var extra yaml.Node
			if err := yaml.Unmarshal([]byte(tc.extra), &extra); err != nil {
				t.Fatal(err)
			}
			if err := merge(base.Content[0], extra.Content[0], ""); err != nil {
				t.Fatalf("merge(%q, %q) = %v", tc.base, tc.extra, err)
			}
			got, err := yaml.Marshal(base.Content[0])
			if err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			if err := yaml.Unmarshal(got, &gotV); err != nil {
				t.Fatal(err)
			}
			if err := yaml.Unmarshal([]byte(tc.want), &wantV); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(wantV, gotV); diff != "" {
				t.Errorf("merge(%q, %q) differs (-want +got):\n%s", tc.base, tc.extra, diff)
			}
		})
	}
}

func TestMergeNested(t *testing.T) {
	var base yaml.Node
	if err := yaml.Unmarshal([]byte("m: {n: {l: [a]}}\n"), &base); err != nil {
		t.Fatal(err)
	}
	x, err := parseExtra("m:\n  n:\n    l: {k: v}\n")
	if err != nil {
		t.Fatal(err)
	}
	err = merge(base.Content[0], x, "")
	if want := `line 3: "m.n.l" is a mapping, but a list`; !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
		t.Errorf("merge = %v, want an ErrInvalid error containing %q", err, want)
	}
}

// TestRenderExtra checks that a scalar is overridden, aliases are
// expanded and comments and anchors dropped, so the rendered document
// stands on its own.
func TestRenderExtra(t *testing.T) {
	cfg := validConfig(t)
	cfg.Extra = "#cloud-config\n# team note\nbase: &b {k: v} # trailing\nruncmd: [*b]\npackage_update: false\n"
	out, err := Render(cfg)
	if err != nil {
		t.Fatalf("Render error = %v", err)
	}
	for _, bad := range []string{"team note", "trailing", "&b", "*b"} {
		if strings.Contains(out, bad) {
			t.Errorf("Render output contains %q:\n%s", bad, out)
		}
	}
	if n := strings.Count(out, Header); n != 1 {
		t.Errorf("Render output holds %q %d times, want once", Header, n)
	}
	doc := parseDoc(t, out)
	runcmd, _ := doc["runcmd"].([]any)
	want := map[string]any{"k": "v"}
	if len(runcmd) == 0 || !equalJSON(runcmd[len(runcmd)-1], want) || !equalJSON(doc["base"], want) {
		t.Errorf("base = %#v, runcmd = %#v; want the alias expanded to %v in both", doc["base"], runcmd, want)
	}
	if got := doc["package_update"]; got != false {
		t.Errorf("package_update = %#v, want false from the extra config", got)
	}
}
