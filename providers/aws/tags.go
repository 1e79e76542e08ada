package aws

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"unicode"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/spuffbot/spuffbot/providers"
)

// EC2's limits on tags and client tokens.
const (
	maxTagKey      = 128
	maxTagValue    = 256
	maxClientToken = 64
)

// resourceTags returns the tags of a resource spuff creates: the labels,
// managed-by=spuff (which a label cannot override) and, when name is not
// empty, Name. Keys and values are sanitised to the characters every AWS
// service accepts; keys starting with the reserved "aws:" are dropped.
func resourceTags(name string, labels map[string]string) []types.Tag {
	m := make(map[string]string, len(labels)+2)
	for k, v := range labels {
		k = sanitize(k, maxTagKey)
		if k == "" || strings.HasPrefix(strings.ToLower(k), "aws:") {
			continue
		}
		m[k] = sanitize(v, maxTagValue)
	}
	m[providers.LabelManagedBy] = providers.ManagedByValue
	if name != "" {
		m["Name"] = sanitize(name, maxTagValue)
	}
	tags := make([]types.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		tags = append(tags, types.Tag{Key: awssdk.String(k), Value: awssdk.String(m[k])})
	}
	return tags
}

// sanitize replaces characters outside letters, digits, spaces and
// _ . : / = + - @ with '_' and cuts s to limit characters.
func sanitize(s string, limit int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == limit {
			break
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != ' ' && !strings.ContainsRune("_.:/=+-@", r) {
			r = '_'
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}

// tagValue returns the value of the tag key, or "".
func tagValue(tags []types.Tag, key string) string {
	for _, t := range tags {
		if awssdk.ToString(t.Key) == key {
			return awssdk.ToString(t.Value)
		}
	}
	return ""
}

// clientToken returns the RunInstances ClientToken of one create: the
// operation id and the instance name ("op-1/box"), or their SHA-256 when
// that is too long or not printable ASCII. A retried create of the same
// operation sends the same token; "" (no operation id) sends none.
func clientToken(opID, name string) string {
	if opID == "" {
		return ""
	}
	tok := opID + "/" + name
	printable := !strings.ContainsFunc(tok, func(r rune) bool { return r < 0x21 || r > 0x7e })
	if printable && len(tok) <= maxClientToken {
		return tok
	}
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}
