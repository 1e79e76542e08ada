package providers

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Env looks up an environment variable; os.Getenv in production, a map in
// tests.
type Env func(key string) string

// Constructor builds a provider from the environment. It does no network
// I/O: credentials are checked on the first call.
type Constructor func(ctx context.Context, env Env) (Provider, error)

// Cloud is what a provider package tells the rest of spuffbot about its
// cloud, by registering it (Register) in an init function, the way a
// database/sql driver does. The configuration, the wiring in main, the
// sentences people read and `spuffbot check` all read it from the
// registry, so that adding a cloud is one new package and one import line.
type Cloud struct {
	// Name is the cloud's name in commands (--provider), in the
	// configuration (clouds.<name>, SPUFF_<NAME>_*) and in the records of
	// the instances it runs: lower-case letters and digits, like "hetzner".
	Name string
	// Label is how people see it: "Hetzner Cloud". Zero: Name.
	Label string
	// Aliases are other names people may type for it in a command
	// (--provider hcloud), in the same form as Name. Zero: none.
	Aliases []string
	// New builds the provider from the environment. Registry.New passes
	// it the configuration's Settings and the Credentials' aliases as
	// variables (see Registry.New).
	New Constructor
	// Credentials are the variables that hold its secrets. Each can also
	// be given as a file named by its _FILE form (secret.FromEnv). Empty:
	// none, or a chain of the cloud's own (AWS).
	Credentials []Credential
	// Endpoint lists the variables that point the cloud's API elsewhere
	// (a private cloud, a proxy, an emulator in tests), the first one set
	// winning. Empty: the cloud has no remote API.
	Endpoint []string
	// Settings are the cloud's own settings, besides those every cloud has
	// (enabled, region, size, image, allowed_sizes, allowed_regions).
	Settings []Setting
	// CheckHint is what `spuffbot check` tells a person to do when the
	// cloud refuses the credentials and its error carries no hint of its
	// own.
	CheckHint string
	// Notes are a line for the documentation's table of clouds (pricing,
	// labels, quirks). Zero: none.
	Notes string
	// RequestsPerHour is the cloud's published API request limit per hour
	// and token; the readiness poller spends at most a quarter of it.
	// Zero: no published limit, so the poller keeps no budget.
	RequestsPerHour int
	// ListPageSize is how many instances one ListInstances request
	// returns, for the poller to weigh one list against a get per
	// instance. Zero: 100.
	ListPageSize int
}

// Credential is one variable that holds a secret.
type Credential struct {
	// Var is the variable, "HCLOUD_TOKEN"; Var+"_FILE" names a file
	// holding the value instead.
	Var string
	// Aliases are other names accepted for Var when neither Var nor its
	// _FILE form is set, in order, each with its own _FILE form too:
	// "HETZNER_TOKEN" for "HCLOUD_TOKEN".
	Aliases []string
	// Doc says what the secret is, for `check` and the documentation.
	Doc string
}

// Names returns every variable the credential may be read from, in the
// order they are tried: Var, Var_FILE, then each alias and its _FILE form.
func (c Credential) Names() []string {
	var out []string
	for _, v := range append([]string{c.Var}, c.Aliases...) {
		out = append(out, v, v+"_FILE")
	}
	return out
}

// Setting is one of a cloud's own settings: clouds.<cloud>.<Key> in the
// configuration file, Env in the environment. Its value reaches New as the
// variable Env: a variable that is set wins over the file.
type Setting struct {
	// Key is the YAML key under clouds.<cloud>: "ssh_cidr".
	Key string
	// Env is the variable: "SPUFF_AWS_SSH_CIDR".
	Env string
	// Default is the value when neither the file nor the variable sets it.
	Default string
	// Doc says what the setting does, for the documentation.
	Doc string
	// Check returns why value does not fit, or "" when it does; the
	// configuration reports it with the setting's path. Nil: any value.
	Check func(value string) string
}

// Registry maps provider names to the clouds registered under them. The
// zero value is empty and ready to use. Registered returns the one the
// provider packages register with.
type Registry struct {
	mu     sync.RWMutex
	clouds map[string]Cloud
}

// validName is what Cloud.Name may be: it becomes part of YAML keys and
// variable names.
var validName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Add registers c. It is an error to register a name twice, or a cloud
// without a valid Name or a New.
func (r *Registry) Add(c Cloud) error {
	switch {
	case !validName.MatchString(c.Name):
		return fmt.Errorf("providers: register %q: a name is lower-case letters and digits", c.Name)
	case c.New == nil:
		return fmt.Errorf("providers: register %s: no constructor", c.Name)
	}
	for _, a := range c.Aliases {
		if !validName.MatchString(a) {
			return fmt.Errorf("providers: register %s: alias %q: an alias is lower-case letters and digits", c.Name, a)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.clouds[c.Name]; dup {
		return fmt.Errorf("providers: register %s: registered twice", c.Name)
	}
	taken := map[string]string{}
	for _, o := range r.clouds {
		for _, w := range append([]string{o.Name}, o.Aliases...) {
			taken[w] = o.Name
		}
	}
	for _, w := range append([]string{c.Name}, c.Aliases...) {
		if other, ok := taken[w]; ok {
			return fmt.Errorf("providers: register %s: %q already names %s", c.Name, w, other)
		}
	}
	if r.clouds == nil {
		r.clouds = make(map[string]Cloud)
	}
	if c.Label == "" {
		c.Label = c.Name
	}
	r.clouds[c.Name] = c
	return nil
}

// Register adds a constructor under name, replacing any earlier
// registration of name. Tests use it for stand-in clouds; a provider
// package registers its whole Cloud with the package-level Register.
func (r *Registry) Register(name string, ctor Constructor) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.clouds == nil {
		r.clouds = make(map[string]Cloud)
	}
	r.clouds[name] = Cloud{Name: name, Label: name, New: ctor}
}

// Lookup returns the cloud registered under name.
func (r *Registry) Lookup(name string) (Cloud, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.clouds[name]
	return c, ok
}

// Clouds returns the registered clouds, sorted by name.
func (r *Registry) Clouds() []Cloud {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Cloud, 0, len(r.clouds))
	for _, c := range r.clouds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the registered names in sorted order.
func (r *Registry) Names() []string {
	cs := r.Clouds()
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.Name
	}
	return names
}

// Resolve returns the name of the cloud that word names, by its name or
// one of its aliases.
func (r *Registry) Resolve(word string) (name string, ok bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.clouds[word]; ok {
		return c.Name, true
	}
	for _, c := range r.clouds {
		for _, a := range c.Aliases {
			if a == word {
				return c.Name, true
			}
		}
	}
	return "", false
}

// Label returns how people see the cloud called name; name itself for a
// cloud that is not registered.
func (r *Registry) Label(name string) string {
	if c, ok := r.Lookup(name); ok {
		return c.Label
	}
	return name
}

// New builds the provider registered under name. An unknown name is an
// error that lists the known ones. The constructor reads env, where a
// credential given only under one of its aliases (or the alias's _FILE
// form) reads as the credential's own variable.
func (r *Registry) New(ctx context.Context, name string, env Env) (Provider, error) {
	c, ok := r.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	p, err := c.New(ctx, c.aliased(env))
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", name, err)
	}
	return p, nil
}

// aliased returns env in which each credential's Var and Var_FILE read as
// the first of its aliases that is set, when neither is set itself.
func (c Cloud) aliased(env Env) Env {
	alias := map[string]string{}
	for _, cr := range c.Credentials {
		if env(cr.Var) != "" || env(cr.Var+"_FILE") != "" {
			continue
		}
		for _, a := range cr.Aliases {
			if env(a) != "" || env(a+"_FILE") != "" {
				alias[cr.Var], alias[cr.Var+"_FILE"] = a, a+"_FILE"
				break
			}
		}
	}
	if len(alias) == 0 {
		return env
	}
	return func(key string) string {
		if a, ok := alias[key]; ok {
			return env(a)
		}
		return env(key)
	}
}

// registered holds the clouds the provider packages linked into the
// binary register.
var registered Registry

// Register makes a cloud available by its name; a provider package calls
// it from an init function. It panics when c cannot be registered (see
// Registry.Add), which is a programming error found at start.
func Register(c Cloud) {
	if err := registered.Add(c); err != nil {
		panic(err)
	}
}

// Registered returns the registry of the clouds linked into the binary:
// every provider package imported registers itself.
func Registered() *Registry { return &registered }
