package providers

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// Env looks up an environment variable; os.Getenv in production, a map in
// tests.
type Env func(key string) string

// Constructor builds a provider from the environment. It does no network
// I/O: credentials are checked on the first call.
type Constructor func(ctx context.Context, env Env) (Provider, error)

// Registry maps provider names to constructors. The zero value is empty and
// ready to use; main.go registers the clouds it was built with.
type Registry struct {
	ctors map[string]Constructor
}

// Register adds a constructor under name, replacing any earlier one.
func (r *Registry) Register(name string, c Constructor) {
	if r.ctors == nil {
		r.ctors = make(map[string]Constructor)
	}
	r.ctors[name] = c
}

// Names returns the registered names in sorted order.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.ctors))
	for n := range r.ctors {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// New builds the provider registered under name. An unknown name is an
// error that lists the known ones.
func (r *Registry) New(ctx context.Context, name string, env Env) (Provider, error) {
	c, ok := r.ctors[name]
	if !ok {
		return nil, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(r.Names(), ", "))
	}
	p, err := c(ctx, env)
	if err != nil {
		return nil, fmt.Errorf("provider %s: %w", name, err)
	}
	return p, nil
}
