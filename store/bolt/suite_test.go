package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/spuffbot/spuffbot/store/bolt"
	"github.com/spuffbot/spuffbot/store/storetest"
)

// TestBolt runs the suite against the embedded store, one file per test.
func TestBolt(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		t.Helper()
		path := filepath.Join(t.TempDir(), "spuff.db")
		db, err := bolt.Open(path, bolt.Options{})
		if err != nil {
			t.Fatalf("bolt.Open(%q) = %v", path, err)
		}
		t.Cleanup(func() {
			if err := db.Close(); err != nil {
				t.Errorf("Close() = %v", err)
			}
		})
		return db
	})
}
