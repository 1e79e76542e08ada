package config

import (
	"errors"
	"os"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to the loader: it never panics, and every
// failure is a *ValidationError with at least one problem; a success
// validates.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"../spuffbot.example.yaml", "testdata/mistakes.yaml"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(""))
	f.Add([]byte("policy: {max_lease: 1d, warn_before: 2h}\n"))
	f.Add([]byte("clouds:\n  a: &a {enabled: true}\n  hetzner: {<<: [*a, *a]}\n"))
	f.Add([]byte("policy:\n  channels: {C0123ABCD: {clouds: [demo]}, x: ~}\n"))
	f.Add([]byte("cloud_init: &c {a: *c}\n"))
	f.Add([]byte("--- [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := load("fuzz.yaml", data, noEnv)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("load(%q) error = %v (%T), want a *ValidationError with problems", data, err, err)
			}
			_ = err.Error()
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("load(%q) succeeded but Validate() = %v", data, err)
		}
	})
}
