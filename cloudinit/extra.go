package cloudinit

import (
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxExtraNodes bounds the extra document once its aliases are expanded,
// so a few lines of nested aliases cannot blow up into a huge document.
const maxExtraNodes = 10000

// reserved are the top-level keys set per instance: one static value from
// the operator would give every VM the same one.
var reserved = map[string]bool{"hostname": true, "fqdn": true}

// knownTags are the tags cloud-init's safe YAML loader reads; anything
// else would fail on the VM at boot instead of here.
var knownTags = map[string]bool{
	"!!str": true, "!!int": true, "!!float": true, "!!bool": true, "!!null": true,
	"!!binary": true, "!!timestamp": true, "!!map": true, "!!seq": true,
}

func extraError(format string, args ...any) error {
	return fmt.Errorf("cloudinit: extra: %w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// parseExtra parses the operator's extra cloud-config into a mapping node
// with aliases expanded, anchors and comments dropped, and every node
// checked. Text holding no document (empty, only comments) yields nil.
func parseExtra(extra string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(strings.NewReader(extra))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, extraError("%v", err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		return nil, extraError("line %d: a second YAML document; give one mapping", next.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, extraError("%v", err)
	}
	if len(doc.Content) != 1 {
		return nil, extraError("no YAML document")
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, extraError("line %d: %s, want a mapping of cloud-config keys", root.Line, describe(root))
	}
	c := copier{active: map[*yaml.Node]bool{}}
	out, err := c.copy(root)
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(out.Content); i += 2 {
		k, v := out.Content[i], out.Content[i+1]
		if k.Tag != "!!str" {
			return nil, extraError("line %d: top-level key %q is not a string", k.Line, k.Value)
		}
		if reserved[k.Value] {
			return nil, extraError("line %d: %q is set per instance and cannot be given here", k.Line, k.Value)
		}
		if k.Value == "write_files" {
			if err := checkWriteFiles(v); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// checkWriteFiles rejects an extra write_files entry that would replace
// the instance marker.
func checkWriteFiles(files *yaml.Node) error {
	if files.Kind != yaml.SequenceNode {
		return nil // merge reports the kind mismatch
	}
	for _, f := range files.Content {
		if f.Kind != yaml.MappingNode {
			continue
		}
		for i := 0; i+1 < len(f.Content); i += 2 {
			k, v := f.Content[i], f.Content[i+1]
			if k.Value == "path" && v.Kind == yaml.ScalarNode && path.Clean(strings.TrimSpace(v.Value)) == MarkerPath {
				return extraError("line %d: write_files must not replace %s", v.Line, MarkerPath)
			}
		}
	}
	return nil
}

// copier deep-copies a parsed node tree, expanding aliases.
type copier struct {
	nodes  int
	active map[*yaml.Node]bool // nodes being copied, to catch an alias to its own ancestor
}

func (c *copier) copy(n *yaml.Node) (*yaml.Node, error) {
	if c.nodes++; c.nodes > maxExtraNodes {
		return nil, extraError("more than %d nodes once aliases are expanded", maxExtraNodes)
	}
	if c.active[n] {
		return nil, extraError("line %d: an alias refers to a node that contains it", n.Line)
	}
	c.active[n] = true
	defer delete(c.active, n)
	if n.Kind == yaml.AliasNode {
		if n.Alias == nil {
			return nil, extraError("line %d: alias %q has no anchor", n.Line, n.Value)
		}
		return c.copy(n.Alias)
	}
	if n.Kind != yaml.ScalarNode && n.Kind != yaml.SequenceNode && n.Kind != yaml.MappingNode {
		return nil, extraError("line %d: unexpected YAML node", n.Line)
	}
	if n.Tag == "!!merge" {
		return nil, extraError("line %d: merge keys (<<) are not supported; write the keys out", n.Line)
	}
	if !knownTags[n.Tag] {
		return nil, extraError("line %d: tag %q is not one cloud-init reads", n.Line, n.Tag)
	}
	if n.Kind == yaml.ScalarNode {
		// An explicit tag may not fit the value, as in !!int abc.
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, extraError("line %d: %v", n.Line, err)
		}
	}
	out := &yaml.Node{
		Kind:   n.Kind,
		Style:  n.Style,
		Tag:    n.Tag,
		Value:  n.Value,
		Line:   n.Line,
		Column: n.Column,
	}
	for _, child := range n.Content {
		cc, err := c.copy(child)
		if err != nil {
			return nil, err
		}
		out.Content = append(out.Content, cc)
	}
	if n.Kind == yaml.MappingNode {
		if err := checkKeys(out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkKeys rejects a mapping with a key that is not a scalar (cloud-init
// cannot load it) or with the same key twice (which one wins differs
// between YAML readers).
func checkKeys(m *yaml.Node) error {
	seen := map[string]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if k.Kind != yaml.ScalarNode {
			return extraError("line %d: a mapping key is %s, want a scalar", k.Line, describe(k))
		}
		id := k.Tag + " " + k.Value
		if seen[id] {
			return extraError("line %d: key %q appears twice in one mapping", k.Line, k.Value)
		}
		seen[id] = true
	}
	return nil
}

// describe names a node's kind for error messages.
func describe(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case n.Tag == "!!null":
		return "null"
	default:
		return "a scalar"
	}
}
