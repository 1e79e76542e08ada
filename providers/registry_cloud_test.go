package providers

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// envProvider is a Provider whose constructor kept the variable it read.
type envProvider struct {
	Provider
	token string
}

func TestRegistryAdd(t *testing.T) {
	ctor := func(context.Context, Env) (Provider, error) { return nil, nil }
	tests := []struct {
		name string
		c    Cloud
		want string // "" for success
	}{
		{"ok", Cloud{Name: "linode", Label: "Linode", New: ctor}, ""},
		{"twice", Cloud{Name: "linode", New: ctor}, "registered twice"},
		{"no constructor", Cloud{Name: "vultr"}, "no constructor"},
		{"upper case", Cloud{Name: "Vultr", New: ctor}, "lower-case letters and digits"},
		{"empty", Cloud{New: ctor}, "lower-case letters and digits"},
		{"dash", Cloud{Name: "open-stack", New: ctor}, "lower-case letters and digits"},
		{"no label", Cloud{Name: "scaleway", Aliases: []string{"scw"}, New: ctor}, ""},
		{"alias taken", Cloud{Name: "vultr", Aliases: []string{"scw"}, New: ctor}, `"scw" already names scaleway`},
		{"name is an alias", Cloud{Name: "scw", New: ctor}, `"scw" already names scaleway`},
		{"bad alias", Cloud{Name: "vultr", Aliases: []string{"V"}, New: ctor}, "an alias is lower-case"},
	}
	var r Registry
	for _, tt := range tests {
		err := r.Add(tt.c)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("Add(%s) = %v, want nil", tt.name, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("Add(%s) = %v, want an error saying %q", tt.name, err, tt.want)
		}
	}
	if got := r.Names(); !slices.Equal(got, []string{"linode", "scaleway"}) {
		t.Errorf("Names() = %v, want [linode scaleway]", got)
	}
	for word, want := range map[string]string{"linode": "linode", "scaleway": "scaleway", "scw": "scaleway", "azure": ""} {
		if got, ok := r.Resolve(word); got != want || ok != (want != "") {
			t.Errorf("Resolve(%q) = %q, %v, want %q", word, got, ok, want)
		}
	}
	for name, want := range map[string]string{"linode": "Linode", "scaleway": "scaleway", "azure": "azure"} {
		if got := r.Label(name); got != want {
			t.Errorf("Label(%q) = %q, want %q", name, got, want)
		}
	}
}

func TestCredentialNames(t *testing.T) {
	c := Credential{Var: "HCLOUD_TOKEN", Aliases: []string{"HETZNER_TOKEN"}}
	want := []string{"HCLOUD_TOKEN", "HCLOUD_TOKEN_FILE", "HETZNER_TOKEN", "HETZNER_TOKEN_FILE"}
	if got := c.Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestNewReadsCredentialAliases(t *testing.T) {
	var r Registry
	if err := r.Add(Cloud{
		Name:        "hcloud",
		Credentials: []Credential{{Var: "HCLOUD_TOKEN", Aliases: []string{"HETZNER_TOKEN"}}},
		New: func(_ context.Context, env Env) (Provider, error) {
			tok := env("HCLOUD_TOKEN")
			if tok == "" {
				tok = "file:" + env("HCLOUD_TOKEN_FILE")
			}
			return &envProvider{token: tok}, nil
		},
	}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"own name", map[string]string{"HCLOUD_TOKEN": "own"}, "own"},
		{"alias", map[string]string{"HETZNER_TOKEN": "alias"}, "alias"},
		{"own name wins", map[string]string{"HCLOUD_TOKEN": "own", "HETZNER_TOKEN": "alias"}, "own"},
		{"own file wins over alias", map[string]string{"HCLOUD_TOKEN_FILE": "/run/own", "HETZNER_TOKEN": "alias"}, "file:/run/own"},
		{"alias file", map[string]string{"HETZNER_TOKEN_FILE": "/run/alias"}, "file:/run/alias"},
		{"none", map[string]string{}, "file:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := r.New(t.Context(), "hcloud", func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatal(err)
			}
			if got := p.(*envProvider).token; got != tt.want {
				t.Errorf("the constructor read %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRegisterPanicsOnMistakes(t *testing.T) {
	defer func() {
		err, _ := recover().(error)
		if err == nil || !strings.Contains(err.Error(), "no constructor") {
			t.Errorf("Register without a constructor panicked with %v, want an error saying so", err)
		}
		if _, ok := Registered().Lookup("broken"); ok {
			t.Errorf("a cloud that could not be registered is in the registry")
		}
	}()
	Register(Cloud{Name: "broken"})
}
