package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Limits that keep a hostile or broken file from making reading slow.
const (
	maxMergeDepth = 8     // nesting of "<<" merge keys
	maxPairs      = 10000 // settings read, counting those merged in
)

// origin is where a setting's value came from: a line of the file or a
// variable.
type origin struct {
	line int
	env  string
}

// reader reads YAML nodes into a Config, checking every key against the
// schema, like yaml's KnownFields but with the path, the line and a
// suggestion for each unknown key, and collecting every problem instead of
// stopping at the first.
type reader struct {
	schema *schema
	probs  problems
	origin map[string]origin // by path, "policy.max_lease", "policy.admins[1]"
	failed map[string]bool   // field paths whose value could not be read
	pairs  int               // settings read so far, against maxPairs

	tooDeep bool // whether maxMergeDepth was reported
}

func newReader(c *Config) *reader {
	return &reader{
		schema: newSchema(c.fields()),
		origin: map[string]origin{},
		failed: map[string]bool{},
	}
}

// pair is one key and its value in a mapping.
type pair struct{ k, v *yaml.Node }

// resolve follows an alias to the node it names.
func resolve(n *yaml.Node) *yaml.Node {
	if n != nil && n.Kind == yaml.AliasNode {
		return n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName names what a node is, for problems: "a list", "a mapping".
func kindName(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	return fmt.Sprintf("the value %q", n.Value)
}

// mapping returns n's pairs with "<<" merge keys expanded: the mapping's own
// keys win over merged ones, and an earlier merged mapping wins over a later
// one. A key set twice is a problem at path. It returns false, after adding
// a problem, when n is neither a mapping nor null.
func (r *reader) mapping(n *yaml.Node, path string, line int, want string) ([]pair, bool) {
	n = resolve(n)
	if isNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		r.probs.add(path, line, "must be %s, not %s", want, kindName(n))
		return nil, false
	}
	return r.expand(n, path, nil), true
}

// expand returns the pairs of the mapping n; outer holds the mappings that
// merge n in, outermost first.
func (r *reader) expand(n *yaml.Node, path string, outer []*yaml.Node) []pair {
	var own, merged []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if r.pairs++; r.pairs > maxPairs {
			if r.pairs == maxPairs+1 {
				r.probs.add(path, k.Line, "too many settings (more than %d, counting merged ones)", maxPairs)
			}
			return nil
		}
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merged = append(merged, r.merge(v, path, k.Line, append(outer, n))...)
			continue
		}
		if k.Kind != yaml.ScalarNode {
			r.probs.add(path, k.Line, "keys must be plain names, not %s", kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			r.probs.add(join(path, k.Value), k.Line, "set twice (first on line %d)", first)
			continue
		}
		seen[k.Value] = k.Line
		own = append(own, pair{k, v})
	}
	for _, p := range merged {
		if _, overridden := seen[p.k.Value]; !overridden {
			seen[p.k.Value] = p.k.Line
			own = append(own, p)
		}
	}
	return own
}

// merge returns the pairs a "<<" key brings in: a mapping or a list of
// mappings, usually aliases such as *defaults.
func (r *reader) merge(v *yaml.Node, path string, line int, outer []*yaml.Node) []pair {
	if len(outer) > maxMergeDepth {
		if !r.tooDeep {
			r.probs.add(path, line, "merge keys (<<) nested more than %d deep", maxMergeDepth)
		}
		r.tooDeep = true
		return nil
	}
	srcs := []*yaml.Node{v}
	if rv := resolve(v); rv != nil && rv.Kind == yaml.SequenceNode {
		srcs = rv.Content
	}
	var out []pair
	for _, s := range srcs {
		s = resolve(s)
		switch {
		case s == nil || s.Kind != yaml.MappingNode:
			r.probs.add(path, line, "<< must merge a mapping (like <<: *defaults)")
		case slices.Contains(outer, s):
			r.probs.add(path, line, "<< merges a mapping into itself")
		default:
			out = append(out, r.expand(s, path, outer)...)
		}
	}
	return out
}

// section reads a mapping of settings at path.
func (r *reader) section(n *yaml.Node, path string, line int) {
	ps, ok := r.mapping(n, path, line, "a mapping of settings")
	if !ok {
		return
	}
	for _, p := range ps {
		child := join(path, p.k.Value)
		if f, ok := r.schema.fields[child]; ok {
			r.leaf(f, p.v, p.k.Line)
			continue
		}
		if _, ok := r.schema.sections[child]; ok {
			r.section(p.v, child, p.k.Line)
			continue
		}
		r.unknown(path, p.k.Value, p.k.Line, r.schema.sections[path])
	}
}

// unknown reports key, which is not a setting of the section at parent,
// with the setting the person most likely meant.
func (r *reader) unknown(parent, key string, line int, known []string) {
	path := join(parent, key)
	if best, ok := closest(key, known); ok {
		r.probs.add(path, line, "unknown setting; did you mean %s?", best)
		return
	}
	if places := r.schema.placesOf(key, parent); len(places) > 0 {
		r.probs.add(path, line, "unknown setting here; did you mean %s?", strings.Join(places, " or "))
		return
	}
	r.probs.add(path, line, "unknown setting (known here: %s)", strings.Join(known, ", "))
}

// leaf reads the value of one setting. A null value leaves the default.
func (r *reader) leaf(f field, v *yaml.Node, line int) {
	v = resolve(v)
	if isNull(v) {
		return
	}
	switch p := f.ptr.(type) {
	case *[]string:
		if r.list(f.path, v, line, p) {
			r.origin[f.path] = origin{line: line}
		}
		return
	case *map[string]ChannelPolicy:
		if r.channels(f.path, v, line, p) {
			r.origin[f.path] = origin{line: line}
		}
		return
	case cloudInitText:
		if v.Kind == yaml.MappingNode {
			b, err := yaml.Marshal(v)
			if err != nil {
				r.fail(f.path, line, "cannot be written back as YAML: %v", err)
				return
			}
			*p.s = string(b)
			r.origin[f.path] = origin{line: line}
			return
		}
	}
	if v.Kind != yaml.ScalarNode {
		r.fail(f.path, line, "must be a single value, not %s", kindName(v))
		return
	}
	if msg := setText(f.ptr, v.Value); msg != "" {
		r.fail(f.path, line, "%s", msg)
		return
	}
	r.origin[f.path] = origin{line: line}
}

// fail adds a problem for the field at path and marks it unread, so that
// Validate's view of the default left in its place is not reported too.
func (r *reader) fail(path string, line int, format string, args ...any) {
	r.probs.add(path, line, format, args...)
	r.failed[path] = true
}

// list reads a list of strings; it reports whether it set *dst.
func (r *reader) list(path string, v *yaml.Node, line int, dst *[]string) bool {
	if v.Kind != yaml.SequenceNode {
		r.fail(path, line, "must be a list, like [a, b], not %s", kindName(v))
		return false
	}
	var out []string
	ok := true
	for i, item := range v.Content {
		item = resolve(item)
		p := fmt.Sprintf("%s[%d]", path, i)
		if item == nil || item.Kind != yaml.ScalarNode {
			r.fail(p, line, "must be a single value")
			ok = false
			continue
		}
		r.origin[p] = origin{line: item.Line}
		out = append(out, item.Value)
	}
	if !ok {
		r.failed[path] = true
		return false
	}
	*dst = out
	return true
}

// channels reads policy.channels: channel id -> {clouds, sizes}.
func (r *reader) channels(path string, v *yaml.Node, line int, dst *map[string]ChannelPolicy) bool {
	ps, ok := r.mapping(v, path, line, "a mapping of channel ids to {clouds, sizes}")
	if !ok {
		r.failed[path] = true
		return false
	}
	out := make(map[string]ChannelPolicy, len(ps))
	known := []string{"clouds", "sizes", "idle_after"}
	for _, p := range ps {
		id := p.k.Value
		cpath := join(path, id)
		r.origin[cpath] = origin{line: p.k.Line}
		var cp ChannelPolicy
		sub, ok := r.mapping(p.v, cpath, p.k.Line, "a mapping like {clouds: [hetzner], sizes: [cx22]}")
		if !ok {
			r.failed[path] = true
		}
		for _, s := range sub {
			switch s.k.Value {
			case "clouds":
				r.subList(join(cpath, "clouds"), path, s, &cp.Clouds)
			case "sizes":
				r.subList(join(cpath, "sizes"), path, s, &cp.Sizes)
			case "idle_after":
				r.subDuration(join(cpath, "idle_after"), path, s, &cp.IdleAfter) // idle.go
			default:
				r.unknown(cpath, s.k.Value, s.k.Line, known)
			}
		}
		out[id] = cp
	}
	*dst = out
	return true
}

// subList reads a list inside policy.channels, marking field failed when
// it cannot.
func (r *reader) subList(path, field string, s pair, dst *[]string) {
	v := resolve(s.v)
	if isNull(v) {
		return
	}
	if r.list(path, v, s.k.Line, dst) {
		r.origin[path] = origin{line: s.k.Line}
		return
	}
	r.failed[field] = true
}
