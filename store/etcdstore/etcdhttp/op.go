package etcdhttp

import "fmt"

// opKind says what an Op does.
type opKind int

const (
	opGet opKind = iota + 1
	opPut
	opDelete
)

// SortTarget is what a get's keys are sorted by.
type SortTarget string

// SortOrder is the direction of a get's sort.
type SortOrder string

// Sort targets and orders for WithSort.
const (
	SortByKey            SortTarget = "KEY"
	SortByCreateRevision SortTarget = "CREATE"
	SortByModRevision    SortTarget = "MOD"
	SortAscend           SortOrder  = "ASCEND"
	SortDescend          SortOrder  = "DESCEND"
)

// Op is a get, put or delete, sent alone or in a transaction.
type Op struct {
	kind       opKind
	key, end   []byte
	val        []byte
	lease      int64
	limit, rev int64
	sortTarget SortTarget
	sortOrder  SortOrder
	keysOnly   bool
	countOnly  bool
}

// OpOption changes an Op.
type OpOption func(*Op)

// OpGet reads key, or the range opts give.
func OpGet(key string, opts ...OpOption) Op { return newOp(opGet, key, "", opts) }

// OpPut writes val under key.
func OpPut(key, val string, opts ...OpOption) Op { return newOp(opPut, key, val, opts) }

// OpDelete removes key, or the range opts give.
func OpDelete(key string, opts ...OpOption) Op { return newOp(opDelete, key, "", opts) }

func newOp(kind opKind, key, val string, opts []OpOption) Op {
	op := Op{kind: kind, key: []byte(key)}
	if kind == opPut {
		op.val = []byte(val)
	}
	for _, o := range opts {
		o(&op)
	}
	return op
}

// WithPrefix makes the op cover every key that starts with its key; an
// empty key then means every key.
func WithPrefix() OpOption {
	return func(op *Op) {
		if len(op.key) == 0 {
			op.key, op.end = []byte{0}, []byte{0}
			return
		}
		op.end = []byte(GetPrefixRangeEnd(string(op.key)))
	}
}

// WithRange makes the op cover the keys from its key up to end, excluded.
func WithRange(end string) OpOption { return func(op *Op) { op.end = []byte(end) } }

// WithLimit caps the number of keys a get returns; 0 means no cap.
func WithLimit(n int64) OpOption { return func(op *Op) { op.limit = n } }

// WithRev reads at revision rev; 0 means the latest.
func WithRev(rev int64) OpOption { return func(op *Op) { op.rev = rev } }

// WithCountOnly makes a get return the count of keys alone.
func WithCountOnly() OpOption { return func(op *Op) { op.countOnly = true } }

// WithKeysOnly makes a get return keys without their values.
func WithKeysOnly() OpOption { return func(op *Op) { op.keysOnly = true } }

// WithLease attaches a put's key to lease id.
func WithLease(id int64) OpOption { return func(op *Op) { op.lease = id } }

// WithSort sorts a get's keys. Keys ascending is etcd's own order, so it
// is not asked for.
func WithSort(target SortTarget, order SortOrder) OpOption {
	return func(op *Op) {
		if target == SortByKey && order == SortAscend {
			target, order = "", ""
		}
		op.sortTarget, op.sortOrder = target, order
	}
}

// WithFirstCreate gets the oldest key under the op's key, taken as a
// prefix.
func WithFirstCreate() []OpOption {
	return []OpOption{WithPrefix(), WithSort(SortByCreateRevision, SortAscend), WithLimit(1)}
}

// GetPrefixRangeEnd returns the end of the range of keys that start with
// prefix: "\x00" (every key) when there is no such end.
func GetPrefixRangeEnd(prefix string) string {
	end := []byte(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return string(end[:i+1])
		}
	}
	return "\x00"
}

func (op *Op) rangeRequest() *wireRangeRequest {
	return &wireRangeRequest{Key: op.key, RangeEnd: op.end, Limit: num(op.limit), Revision: num(op.rev),
		SortOrder: string(op.sortOrder), SortTarget: string(op.sortTarget), KeysOnly: op.keysOnly, CountOnly: op.countOnly}
}

func (op *Op) putRequest() *wirePutRequest {
	return &wirePutRequest{Key: op.key, Value: op.val, Lease: num(op.lease)}
}

func (op *Op) deleteRequest() *wireDeleteRequest {
	return &wireDeleteRequest{Key: op.key, RangeEnd: op.end}
}

// Cmp is a comparison of a transaction: a key's revision or lease against
// a value.
type Cmp struct {
	key, end []byte
	target   string
	result   string
	value    int64
}

// CreateRevision compares the revision that created key; 0 when missing.
func CreateRevision(key string) Cmp { return Cmp{key: []byte(key), target: "CREATE"} }

// ModRevision compares the revision that last changed key; 0 when missing.
func ModRevision(key string) Cmp { return Cmp{key: []byte(key), target: "MOD"} }

// LeaseValue compares the lease key is attached to; 0 when none.
func LeaseValue(key string) Cmp { return Cmp{key: []byte(key), target: "LEASE"} }

// Compare completes cmp: its target must be in relation result ("=",
// "!=", "<" or ">") with v.
func Compare(cmp Cmp, result string, v int64) Cmp {
	cmp.result, cmp.value = result, v
	return cmp
}

// WithPrefix makes the comparison hold for every key that starts with its
// key.
func (c Cmp) WithPrefix() Cmp {
	c.end = []byte(GetPrefixRangeEnd(string(c.key)))
	return c
}

// results names the relations of Compare as etcd does.
var results = map[string]string{"=": "EQUAL", "!=": "NOT_EQUAL", "<": "LESS", ">": "GREATER"}

func (c Cmp) wire() (wireCompare, error) {
	r, ok := results[c.result]
	if !ok {
		return wireCompare{}, fmt.Errorf("%w: relation %q on %q", errCompare, c.result, c.key)
	}
	w := wireCompare{Result: r, Target: c.target, Key: c.key, RangeEnd: c.end}
	v := num(c.value)
	switch c.target {
	case "CREATE":
		w.CreateRevision = &v
	case "MOD":
		w.ModRevision = &v
	case "LEASE":
		w.Lease = &v
	default:
		return wireCompare{}, fmt.Errorf("%w: no target on %q", errCompare, c.key)
	}
	return w, nil
}
