package etcdstore

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// layout is the key prefix, ending in a slash; its methods build the keys
// described in the package comment.
type layout string

// key joins the path-escaped parts under the prefix and dir.
func (l layout) key(dir string, parts ...string) string {
	var b strings.Builder
	b.WriteString(string(l))
	b.WriteString(dir)
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// dir is the prefix of every key built by key(dir, parts...) that starts
// with parts, ending in a slash.
func (l layout) dir(dir string, parts ...string) string { return l.key(dir, parts...) + "/" }

func (l layout) schema() string { return l.key("meta", "schema_version") }

func (l layout) instance(name string) string { return l.key("instances", name) }
func (l layout) owner(owner, name string) string {
	return l.key("instances_by_owner", owner, name)
}
func (l layout) cloud(provider, cloudID, name string) string {
	return l.key("instances_by_cloud_id", provider, cloudID, name)
}

func (l layout) operation(id string) string { return l.key("operations", id) }
func (l layout) opKey(key string) string    { return l.key("operations_by_key", key) }
func (l layout) openOp(id string) string    { return l.key("operations_open", id) }
func (l layout) openIndexed() string        { return l.key("meta", "operations_open_indexed") }
func (l layout) endIndexed() string         { return l.key("meta", "operations_ended_indexed") }

// ended is the key of the final operation id in the index by end time.
func (l layout) ended(end time.Time, id string) string {
	return l.key("operations_ended", timeKey(end), id)
}

func (l layout) click(key string) string { return l.key("clicks", key) }

// clickAt is the key of a click in the index by the time it was pressed.
func (l layout) clickAt(at time.Time, key string) string {
	return l.key("clicks_by_time", timeKey(at), key)
}

func (l layout) approval(opID string) string { return l.key("approvals", opID) }

func (l layout) claim(opID string) string { return l.key("claims", opID) }
func (l layout) election() string         { return l.dir("election") }

func (l layout) sshKey(owner, fingerprint string) string {
	return l.key("ssh_keys", owner, fingerprint)
}

// audit is the key of an event at t written by writer as its n-th: the
// time part sorts in time order (see timeKey), the rest makes the key
// unique without a counter shared by the replicas. Keys written before
// had a zero-padded hex sequence number there instead.
func (l layout) audit(t time.Time, writer string, n uint64) string {
	return l.key("audit", timeKey(t), fmt.Sprintf("%s-%016x", writer, n))
}

// timeKey encodes t as hex so that string order is time order: seconds
// with the sign bit flipped, then nanoseconds, big-endian.
func timeKey(t time.Time) string {
	b := binary.BigEndian.AppendUint64(nil, uint64(t.Unix())^(1<<63))
	b = binary.BigEndian.AppendUint32(b, uint32(t.Nanosecond()))
	return hex.EncodeToString(b)
}
