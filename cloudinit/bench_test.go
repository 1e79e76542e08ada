package cloudinit

import "testing"

func BenchmarkRender(b *testing.B) {
	cfg := Config{Hostname: "dev-alice-1", Owner: "U024BE7LH", OwnerName: "Alice",
		Keys: []string{testKey(b, 1, "alice@laptop"), testKey(b, 2, "alice@desktop")}, LeaseExpiry: lease}
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			if _, err := Render(cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("extra", func(b *testing.B) {
		cfg := cfg
		cfg.Extra = extraYAML
		for b.Loop() {
			if _, err := Render(cfg); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("alias bomb", func(b *testing.B) {
		cfg := cfg
		cfg.Extra = laughs(9)
		for b.Loop() {
			if _, err := Render(cfg); err == nil {
				b.Fatal("Render accepted an alias bomb")
			}
		}
	})
}
