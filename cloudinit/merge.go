package cloudinit

import (
	"go.yaml.in/yaml/v3"
)

// merge merges the mapping src into the mapping dst: a key dst lacks is
// added, two mappings merge key by key, two lists are concatenated (dst's
// items first) and a scalar replaces a scalar. Any other pairing is an
// error, so extra config can add to the generated document but never
// silently drop part of it. at is the dotted path of dst, for messages.
func merge(dst, src *yaml.Node, at string) error {
	for i := 0; i+1 < len(src.Content); i += 2 {
		k, v := src.Content[i], src.Content[i+1]
		j := find(dst, k)
		if j < 0 {
			dst.Content = append(dst.Content, k, v)
			continue
		}
		name := k.Value
		if at != "" {
			name = at + "." + name
		}
		d := dst.Content[j+1]
		switch {
		case d.Kind == yaml.MappingNode && v.Kind == yaml.MappingNode:
			if err := merge(d, v, name); err != nil {
				return err
			}
		case d.Kind == yaml.SequenceNode && v.Kind == yaml.SequenceNode:
			d.Content = append(d.Content, v.Content...)
		case d.Kind == yaml.ScalarNode && v.Kind == yaml.ScalarNode:
			dst.Content[j+1] = v
		default:
			return extraError("line %d: %q is %s, but %s in the generated document",
				v.Line, name, describe(v), describe(d))
		}
	}
	return nil
}

// find returns the index in mapping m of the key equal to the scalar k,
// or -1.
func find(m, k *yaml.Node) int {
	if k.Kind != yaml.ScalarNode {
		return -1
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		mk := m.Content[i]
		if mk.Kind == yaml.ScalarNode && mk.Tag == k.Tag && mk.Value == k.Value {
			return i
		}
	}
	return -1
}
