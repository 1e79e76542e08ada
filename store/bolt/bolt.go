package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/spuffbot/spuffbot/store"
)

var (
	errSchemaTooNew = errors.New("newer than this spuffbot supports")
)

// schemaVersion is the layout of buckets and keys this package reads and
// writes. Open refuses a file with a newer one. Version 2 added the
// indexes of open operations and of operations by end time; version 3
// the clicks, which replace the operations journaled only to remember a
// click (see migrateClicks).
const schemaVersion = 3

// Buckets, all created by Open.
var (
	bucketMeta          = []byte("meta")
	bucketInstances     = []byte("instances")
	bucketInstanceOwner = []byte("instances_by_owner")    // lp(owner) name -> nil
	bucketInstanceCloud = []byte("instances_by_cloud_id") // lp(provider) lp(cloud id) name -> nil
	bucketOperations    = []byte("operations")
	bucketOperationKey  = []byte("operations_by_key") // key -> operation id
	bucketOperationOpen = []byte("operations_open")   // id -> nil, while not final
	bucketOperationEnd  = []byte("operations_by_end") // time key, id -> nil, once final
	bucketApprovals     = []byte("approvals")
	bucketSSHKeys       = []byte("ssh_keys")      // lp(owner) fingerprint -> key
	bucketAudit         = []byte("audit")         // big-endian seq -> event
	bucketAuditTime     = []byte("audit_by_time") // time key, seq -> nil

	bucketClicks    = []byte("clicks")         // idempotency key -> click
	bucketClickTime = []byte("clicks_by_time") // time key, idempotency key -> nil

	allBuckets = [][]byte{
		bucketMeta, bucketInstances, bucketInstanceOwner, bucketInstanceCloud,
		bucketOperations, bucketOperationKey, bucketOperationOpen, bucketOperationEnd,
		bucketApprovals, bucketSSHKeys,
		bucketAudit, bucketAuditTime,
		bucketClicks, bucketClickTime,
	}

	keySchemaVersion = []byte("schema_version")
)

// Options configures Open.
type Options struct {
	// Timeout is how long Open waits for another process to release the
	// file lock before it gives up with ErrInUse. Zero means one second.
	Timeout time.Duration
	// Now is the clock that stamps records. Nil means time.Now.
	Now func() time.Time
	// NoSync skips the disk sync of every commit, for tests and
	// benchmarks that write many records: a crash may lose or damage
	// the file. Never set it in production.
	NoSync bool
}

// DB is spuffbot's state in one bbolt file. It is safe for concurrent use.
// It keeps the instances in memory as well (see instanceCache), which is
// right only because an open DB is the one writer of its file.
type DB struct {
	bolt  *bbolt.DB
	path  string
	clock func() time.Time

	// instWrite is held from the start of an instance write until the
	// cache has its result, so that the cache sees commits in the order
	// the file does (bbolt runs OnCommit handlers after it has let the
	// next writer in, too late for that).
	instWrite sync.Mutex
	cache     *instanceCache

	// opWrite is to the open operations what instWrite is to instances.
	opWrite sync.Mutex
	open    *openCache
}

// Open opens the database at path, creating the file (mode 0600) and its
// directory (mode 0700) if they are missing. It fails with an error
// wrapping ErrInUse when another process keeps the file locked for longer
// than opts.Timeout, and refuses a file written by a newer spuffbot.
func Open(path string, opts Options) (*DB, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: create directory for %s: %w", path, err)
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: opts.Timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("database %s is %w", path, store.ErrInUse)
	}
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	bdb.MaxBatchDelay = batchDelay
	bdb.NoSync = opts.NoSync
	var cache *instanceCache
	var open *openCache
	err = bdb.Update(func(tx *bbolt.Tx) error {
		if err := migrate(tx); err != nil {
			return err
		}
		if cache, err = loadInstanceCache(tx); err != nil {
			return err
		}
		open, err = loadOpenCache(tx)
		return err
	})
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &DB{bolt: bdb, path: path, clock: opts.Now, cache: cache, open: open}, nil
}

// migrate checks the schema version, creates the buckets, fills the
// indexes a file of an older version lacks and records the version.
func migrate(tx *bbolt.Tx) error {
	var from uint64
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if raw := meta.Get(keySchemaVersion); raw != nil {
			v, err := strconv.ParseUint(string(raw), 10, 64)
			if err != nil {
				return fmt.Errorf("schema version %q is not a number", raw)
			}
			if v > schemaVersion {
				return fmt.Errorf("schema version %d is %w (up to %d)", v, errSchemaTooNew, schemaVersion)
			}
			from = v
		}
	}
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if from == 1 {
		if err := indexOperations(tx); err != nil {
			return fmt.Errorf("migrate to schema version 2: %w", err)
		}
	}
	if from == 1 || from == 2 {
		if err := migrateClicks(tx); err != nil {
			return fmt.Errorf("migrate to schema version 3: %w", err)
		}
	}
	return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte(strconv.Itoa(schemaVersion)))
}

// Close releases the file. The DB must not be used afterwards.
func (db *DB) Close() error {
	db.instWrite.Lock()
	defer db.instWrite.Unlock()
	defer db.cache.close()
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", db.path, err)
	}
	return nil
}

// Path returns the path the database was opened with.
func (db *DB) Path() string { return db.path }

// now is the time records are stamped with, in UTC.
func (db *DB) now() time.Time { return db.clock().UTC() }

func (db *DB) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}

func (db *DB) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(fn)
}

// table is one record kind, stored as JSON under its key in one bucket.
type table[T any] struct {
	kind   string // names the kind in errors, e.g. "instance"
	bucket []byte
	key    func(*T) []byte
	// reindex, when set, brings the kind's index buckets in line after a
	// write; old is nil when the record is new.
	reindex func(tx *bbolt.Tx, old, cur *T) error
	// check, when set, refuses an update that changes more than the record
	// may change; the key never may.
	check func(old, cur *T) error
}

// get returns the record stored under key, or nil if there is none.
func (t *table[T]) get(tx *bbolt.Tx, key []byte) (*T, error) {
	return t.getIn(tx.Bucket(t.bucket), key)
}

// getIn is get for a caller that holds the kind's bucket already, as a
// read transaction opens a bucket anew on every tx.Bucket.
func (t *table[T]) getIn(b *bbolt.Bucket, key []byte) (*T, error) {
	data := b.Get(key)
	if data == nil {
		return nil, nil
	}
	v := new(T)
	if err := t.decode(key, data, v); err != nil {
		return nil, err
	}
	return v, nil
}

// decode decodes data, stored under key, into v.
func (t *table[T]) decode(key, data []byte, v *T) error {
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s %q: %w", t.kind, key, err)
	}
	return nil
}

// mustGet is get with a missing record as an error wrapping ErrNotFound.
func (t *table[T]) mustGet(tx *bbolt.Tx, key []byte) (*T, error) {
	v, err := t.get(tx, key)
	if err == nil && v == nil {
		err = store.ErrNotFound
	}
	return v, err
}

// put writes cur, which replaces old (nil if there was none).
func (t *table[T]) put(tx *bbolt.Tx, old, cur *T) error {
	data, err := json.Marshal(cur)
	if err != nil {
		return fmt.Errorf("encode %s: %w", t.kind, err)
	}
	if err := tx.Bucket(t.bucket).Put(t.key(cur), data); err != nil {
		return err
	}
	if t.reindex != nil {
		return t.reindex(tx, old, cur)
	}
	return nil
}

// list returns the records whose key starts with prefix (all of them when
// prefix is empty) and that keep accepts (all when keep is nil), in key
// order.
func (t *table[T]) list(tx *bbolt.Tx, prefix []byte, keep func(*T) bool) ([]T, error) {
	var out []T
	err := scan(tx.Bucket(t.bucket), prefix, func(k, data []byte) error {
		var v T
		if err := t.decode(k, data, &v); err != nil {
			return err
		}
		if keep == nil || keep(&v) {
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// load reads one record in its own transaction.
func (t *table[T]) load(ctx context.Context, db *DB, key string) (*T, error) {
	var v *T
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		v, err = t.mustGet(tx, []byte(key))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: get %s %q: %w", t.kind, key, err)
	}
	return v, nil
}

// update reads the record under key, lets fn change it and writes it back,
// all in one transaction. An error from fn aborts the update and is
// returned as it is.
func (t *table[T]) update(ctx context.Context, db *DB, key string, fn func(*T) error) (*T, error) {
	var cur *T
	var fnErr error
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		old, err := t.mustGet(tx, []byte(key))
		if err != nil {
			return err
		}
		c := *old
		cur = &c
		if fnErr = fn(cur); fnErr != nil {
			return fnErr
		}
		if !bytes.Equal(t.key(old), t.key(cur)) {
			return fmt.Errorf("the %s's key cannot change", t.kind)
		}
		if t.check != nil {
			if err := t.check(old, cur); err != nil {
				return err
			}
		}
		return t.put(tx, old, cur)
	})
	if fnErr != nil {
		return nil, fnErr
	}
	if err != nil {
		return nil, fmt.Errorf("store: update %s %q: %w", t.kind, key, err)
	}
	return cur, nil
}

// scan calls fn for every key in b that starts with prefix, in key order;
// an empty prefix visits every key.
func scan(b *bbolt.Bucket, prefix []byte, fn func(k, v []byte) error) error {
	c := b.Cursor()
	k, v := c.First()
	if len(prefix) > 0 {
		k, v = c.Seek(prefix)
	}
	for ; k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		if err := fn(k, v); err != nil {
			return err
		}
	}
	return nil
}

// lp appends s to b preceded by its length, so that composite keys built
// from several strings can neither collide nor match a wrong prefix.
func lp(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// Ping reports whether the database is open and readable: it runs a read
// transaction on the file (the in-memory copy of instances would answer
// even for a broken file).
func (db *DB) Ping(ctx context.Context) error {
	return db.view(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketMeta) == nil {
			return errors.New("store: meta bucket missing")
		}
		return nil
	})
}

var _ store.Store = (*DB)(nil)
