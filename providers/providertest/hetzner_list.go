package providertest

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
)

// hzLabelKey and hzLabelValue are Hetzner's label rules: an optional DNS
// prefix, then at most 63 characters that start and end alphanumeric.
var (
	hzLabelKey   = regexp.MustCompile(`^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?$`)
	hzLabelValue = regexp.MustCompile(`^([a-zA-Z0-9]([-a-zA-Z0-9_.]{0,61}[a-zA-Z0-9])?)?$`)
)

func hzValidLabels(labels map[string]string) bool {
	for k, v := range labels {
		if !hzLabelKey.MatchString(k) || !hzLabelValue.MatchString(v) {
			return false
		}
	}
	return true
}

// hzSelector is a parsed Hetzner label selector: comma-separated k=v,
// k==v, k!=v, k (exists) and !k (absent).
type hzSelector []func(map[string]string) bool

func hzParseSelector(s string) (hzSelector, bool) {
	var sel hzSelector
	if strings.TrimSpace(s) == "" {
		return sel, true
	}
	for term := range strings.SplitSeq(s, ",") {
		term = strings.TrimSpace(term)
		k, v, neq := strings.Cut(term, "!=")
		if !neq {
			k, v, _ = strings.Cut(term, "=")
			v = strings.TrimPrefix(v, "=")
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		absent := strings.HasPrefix(k, "!")
		k = strings.TrimPrefix(k, "!")
		if k == "" || strings.ContainsAny(k+v, " ()!=") || (absent && term != "!"+k) {
			return nil, false
		}
		exists := !strings.Contains(term, "=")
		sel = append(sel, func(l map[string]string) bool {
			got, ok := l[k]
			switch {
			case absent:
				return !ok
			case exists:
				return ok
			case neq:
				return got != v
			default:
				return ok && got == v
			}
		})
	}
	return sel, true
}

func (sel hzSelector) matches(labels map[string]string) bool {
	for _, m := range sel {
		if !m(labels) {
			return false
		}
	}
	return true
}

// writePage writes one page of items under key with meta.pagination,
// honouring page, per_page and the page-size knob. h.mu must be held.
func (h *Hetzner) writePage(w http.ResponseWriter, r *http.Request, key string, items []any) {
	q := r.URL.Query()
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per < 1 {
		per = 25
	}
	per = min(per, 50)
	if h.pageSize > 0 {
		per = min(per, h.pageSize)
	}
	page, err := strconv.Atoi(q.Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	last := max(1, (len(items)+per-1)/per)
	lo, hi := min(len(items), (page-1)*per), min(len(items), page*per)
	var prev, next any
	if page > 1 {
		prev = page - 1
	}
	if page < last {
		next = page + 1
	}
	out := items[lo:hi]
	if out == nil {
		out = []any{}
	}
	hzJSON(w, http.StatusOK, map[string]any{key: out, "meta": map[string]any{"pagination": map[string]any{
		"page": page, "per_page": per, "previous_page": prev, "next_page": next,
		"last_page": last, "total_entries": len(items),
	}}})
}
