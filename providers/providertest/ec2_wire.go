package providertest

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// This file holds the EC2 Query protocol plumbing: reading the form
// parameters the SDK serialises (lists as Name.1, Name.2, ...), writing XML
// replies and XML errors, and matching filters.

const ec2Xmlns = "http://ec2.amazonaws.com/doc/2016-11-15/"

// ec2Error is an EC2 API error: an HTTP status and the Code/Message pair
// the SDK turns into a smithy.APIError.
type ec2Error struct {
	Status  int
	Code    string
	Message string
}

func (e *ec2Error) Error() string { return e.Code + ": " + e.Message }

func ec2Invalid(format string, args ...any) *ec2Error {
	return &ec2Error{http.StatusBadRequest, "InvalidParameterValue", fmt.Sprintf(format, args...)}
}

func ec2Missing(name string) *ec2Error {
	return &ec2Error{http.StatusBadRequest, "MissingParameter",
		fmt.Sprintf("The request must contain the parameter %s", name)}
}

// ec2Meta is embedded in every reply body; the writer fills it in.
type ec2Meta struct {
	RequestID string `xml:"requestId,omitempty"`
}

func (m *ec2Meta) meta() *ec2Meta { return m }

type ec2Reply interface{ meta() *ec2Meta }

// ec2WriteReply writes body as <{action}Response xmlns=...>.
func ec2WriteReply(w http.ResponseWriter, action, requestID string, body ec2Reply) {
	body.meta().RequestID = requestID
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	start := xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ec2Xmlns}},
	}
	if err := xml.NewEncoder(&buf).EncodeElement(body, start); err != nil {
		ec2WriteError(w, requestID, &ec2Error{http.StatusInternalServerError, "InternalError", err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.Write(buf.Bytes())
}

type ec2ErrorDoc struct {
	XMLName xml.Name `xml:"Response"`
	Errors  struct {
		Error struct {
			Code    string
			Message string
		}
	}
	RequestID string
}

// ec2WriteError writes EC2's error document with e's status.
func ec2WriteError(w http.ResponseWriter, requestID string, e *ec2Error) {
	var body ec2ErrorDoc
	body.Errors.Error.Code, body.Errors.Error.Message = e.Code, e.Message
	body.RequestID = requestID
	out, _ := xml.Marshal(body)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(e.Status)
	w.Write(append([]byte(xml.Header), out...))
}

// ec2FaultError turns an injected Fault into the error EC2 would send: a 429
// becomes EC2's own throttling reply (503 RequestLimitExceeded).
func ec2FaultError(status int) *ec2Error {
	switch {
	case status == http.StatusTooManyRequests:
		return &ec2Error{http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded."}
	case status == http.StatusServiceUnavailable:
		return &ec2Error{status, "Unavailable", "The server is overloaded and can't handle the request."}
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return &ec2Error{http.StatusUnauthorized, "AuthFailure", "AWS was not able to validate the provided access credentials"}
	case status >= 500:
		return &ec2Error{status, "InternalError", "An internal error has occurred."}
	default:
		return &ec2Error{status, "InvalidRequest", "The request received was invalid."}
	}
}

// ec2Form holds the parsed request parameters.
type ec2Form url.Values

func (f ec2Form) get(key string) string { return url.Values(f).Get(key) }

func (f ec2Form) has(key string) bool { _, ok := f[key]; return ok }

// list returns prefix.1, prefix.2, ... up to the first missing index.
func (f ec2Form) list(prefix string) []string {
	var out []string
	for i := 1; ; i++ {
		k := prefix + "." + strconv.Itoa(i)
		if !f.has(k) {
			return out
		}
		out = append(out, f.get(k))
	}
}

// count returns how many prefix.N.* groups are present, N counting from 1.
func (f ec2Form) count(prefix string) int {
	n := 0
	for k := range f {
		rest, ok := strings.CutPrefix(k, prefix+".")
		if !ok {
			continue
		}
		idx, _, _ := strings.Cut(rest, ".")
		if i, err := strconv.Atoi(idx); err == nil && i > n {
			n = i
		}
	}
	return n
}

func (f ec2Form) boolean(key string) (v, set bool) {
	s := f.get(key)
	if s == "" {
		return false, false
	}
	return strings.EqualFold(s, "true"), true
}

func (f ec2Form) integer(key string, def int) (int, *ec2Error) {
	s := f.get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, ec2Invalid("Invalid value '%s' for %s", s, key)
	}
	return n, nil
}

// ec2Filter is one Filter.N of a Describe call.
type ec2Filter struct {
	Name   string
	Values []string
}

func (f ec2Form) filters() []ec2Filter {
	var out []ec2Filter
	for i := 1; i <= f.count("Filter"); i++ {
		p := "Filter." + strconv.Itoa(i)
		out = append(out, ec2Filter{Name: f.get(p + ".Name"), Values: f.list(p + ".Value")})
	}
	return out
}

// tagSpecs returns TagSpecification.N tags by resource type.
func (f ec2Form) tagSpecs(allowed ...string) (map[string]map[string]string, *ec2Error) {
	out := make(map[string]map[string]string)
	for i := 1; i <= f.count("TagSpecification"); i++ {
		p := "TagSpecification." + strconv.Itoa(i)
		rt := f.get(p + ".ResourceType")
		if !ec2Contains(allowed, rt) {
			return nil, ec2Invalid("'%s' is not a valid taggable resource type for this operation.", rt)
		}
		tags, err := f.tags(p + ".Tag")
		if err != nil {
			return nil, err
		}
		if out[rt] == nil {
			out[rt] = make(map[string]string)
		}
		for k, v := range tags {
			out[rt][k] = v
		}
	}
	return out, nil
}

// tags reads prefix.N.Key / prefix.N.Value, checking EC2's tag rules.
func (f ec2Form) tags(prefix string) (map[string]string, *ec2Error) {
	out := make(map[string]string)
	for i := 1; i <= f.count(prefix); i++ {
		p := prefix + "." + strconv.Itoa(i)
		k, v := f.get(p+".Key"), f.get(p+".Value")
		switch {
		case k == "" || len(k) > 128:
			return nil, ec2Invalid("Tag key must be between 1 and 128 characters")
		case len(v) > 256:
			return nil, ec2Invalid("Tag value exceeds the maximum length of 256 characters")
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			return nil, ec2Invalid("Tag keys starting with 'aws:' are reserved for internal use")
		case !ec2TagChars.MatchString(k) || !ec2TagChars.MatchString(v):
			return nil, ec2Invalid("Tag '%s' contains characters that are not allowed", k)
		}
		out[k] = v
	}
	return out, nil
}

var ec2TagChars = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

// ec2Glob reports whether s matches an EC2 filter pattern, where * matches
// any run of characters (slashes included) and ? any one character.
func ec2Glob(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), s)
	return ok
}

// ec2MatchAny reports whether any pattern matches s.
func ec2MatchAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ec2Glob(p, s) {
			return true
		}
	}
	return false
}

// ec2MatchTags applies the tag:K and tag-key filters; handled reports whether
// the filter was a tag filter at all.
func ec2MatchTags(f ec2Filter, tags map[string]string) (match, handled bool) {
	if key, ok := strings.CutPrefix(f.Name, "tag:"); ok {
		v, has := tags[key]
		return has && ec2MatchAny(f.Values, v), true
	}
	if f.Name == "tag-key" {
		for k := range tags {
			if ec2MatchAny(f.Values, k) {
				return true, true
			}
		}
		return false, true
	}
	return false, false
}

func ec2Contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ec2Paginate cuts items to one page. MaxResults must lie in [lo, hi];
// pageSize (the emulator's knob) caps every page when positive.
func ec2Paginate[T any](f ec2Form, items []T, lo, hi, pageSize int) (page []T, next string, err *ec2Error) {
	limit, err := f.integer("MaxResults", 0)
	if err != nil {
		return nil, "", err
	}
	if f.has("MaxResults") && (limit < lo || limit > hi) {
		return nil, "", ec2Invalid("Value ( %d ) for parameter maxResults is invalid. Expecting a value between %d and %d.", limit, lo, hi)
	}
	start := 0
	if tok := f.get("NextToken"); tok != "" {
		b, derr := base64.RawURLEncoding.DecodeString(tok)
		n, cerr := strconv.Atoi(strings.TrimPrefix(string(b), "offset:"))
		if derr != nil || cerr != nil || n < 0 || n > len(items) {
			return nil, "", &ec2Error{http.StatusBadRequest, "InvalidPaginationToken", "The pagination token is invalid."}
		}
		start = n
	}
	size := len(items) - start
	if limit > 0 && limit < size {
		size = limit
	}
	if pageSize > 0 && pageSize < size {
		size = pageSize
	}
	end := start + size
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return items[start:end], next, nil
}

// ec2Time formats t the way EC2 does.
func ec2Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// ec2Tag is one item of a ec2TagSet.
type ec2Tag struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

func ec2TagSet(tags map[string]string) []ec2Tag {
	out := make([]ec2Tag, 0, len(tags))
	for _, k := range ec2SortedKeys(tags) {
		out = append(out, ec2Tag{k, tags[k]})
	}
	return out
}
