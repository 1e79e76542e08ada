package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// The demo cloud's state lives in a bucket of its own, apart from the
// records: one value, written whole on every change.
var (
	bucketDemo   = []byte("demo_cloud")
	keyDemoState = []byte("state")
)

// LoadDemoState returns the demo cloud's saved state, or nil when none
// was saved. Together with SaveDemoState it makes the database file the
// demo cloud's disk (demo.StateStore), so that the console is one
// continuous world across runs.
func (db *DB) LoadDemoState() ([]byte, error) {
	var out []byte
	err := db.view(context.Background(), func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketDemo)
		if b == nil {
			return nil
		}
		if v := b.Get(keyDemoState); v != nil {
			out = append([]byte(nil), v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: load demo state: %w", err)
	}
	return out, nil
}

// SaveDemoState replaces the demo cloud's saved state.
func (db *DB) SaveDemoState(data []byte) error {
	err := db.update(context.Background(), func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketDemo)
		if err != nil {
			return err
		}
		return b.Put(keyDemoState, data)
	})
	if err != nil {
		return fmt.Errorf("bolt: save demo state: %w", err)
	}
	return nil
}
