package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// maxFileSize bounds the configuration file; a real one is a few KB.
const maxFileSize = 1 << 20

// Load returns Default overlaid with the file at path (none when path is
// "") and then with the environment read through getenv: a variable that is
// set and not empty wins over the file. Unknown keys, malformed values and
// settings that do not fit together are reported all at once in a
// *ValidationError; a file that is not YAML is a *ValidationError with the
// parser's message and line. Only a file that cannot be read gives another
// error.
func Load(path string, getenv func(string) string) (*Config, error) {
	var data []byte
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		defer f.Close()
		data, err = io.ReadAll(io.LimitReader(f, maxFileSize+1))
		if err != nil {
			return nil, fmt.Errorf("config: read %s: %w", path, err)
		}
		if len(data) > maxFileSize {
			return nil, &ValidationError{File: path, Problems: []Problem{{Msg: fmt.Sprintf("larger than %d KiB; is it the right file?", maxFileSize>>10)}}}
		}
	}
	return load(path, data, getenv)
}

// load is Load on the file's content.
func load(file string, data []byte, getenv func(string) string) (*Config, error) {
	c := Default()
	r := newReader(c)
	// After a syntax error nothing of the file is read; the variables are
	// still checked.
	syntax := r.file(data)
	if syntax != "" {
		r.probs = problems{{Msg: syntax}}
	}
	r.env(c, getenv)
	for _, name := range c.cloudNames() {
		if _, set := r.origin["clouds."+name+".enabled"]; !set {
			c.Cloud(name).Enabled = name == c.Clouds.Default
		}
	}
	all := r.probs
	var ve *ValidationError
	if err := c.Validate(); errors.As(err, &ve) {
		for _, p := range ve.Problems {
			if p, o, ok := r.locate(p); ok && (syntax == "" || o.env != "") {
				all = append(all, p)
			}
		}
	}
	if len(all) == 0 {
		return c, nil
	}
	// Problems in the file in line order, then the others as found.
	sort.SliceStable(all, func(i, j int) bool {
		li, lj := all[i].Line, all[j].Line
		return li != 0 && (lj == 0 || li < lj)
	})
	return nil, &ValidationError{File: file, Problems: all}
}

// file reads the YAML document in data. It returns the parser's message
// when data is not YAML.
func (r *reader) file(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return ""
		}
		return strings.TrimPrefix(err.Error(), "yaml: ")
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return strings.TrimPrefix(err.Error(), "yaml: ")
	default:
		r.probs.add("", next.Line, "a second YAML document; the file must hold one (remove the ---)")
	}
	top := &doc
	if doc.Kind == yaml.DocumentNode {
		if len(doc.Content) == 0 {
			return ""
		}
		top = doc.Content[0]
	}
	r.section(top, "", top.Line)
	return ""
}

// env applies the variables that are set, in the order of the fields.
func (r *reader) env(c *Config, getenv func(string) string) {
	for _, f := range c.fields() {
		s := getenv(f.env)
		if strings.TrimSpace(s) == "" {
			continue
		}
		if msg := r.envValue(f, s); msg != "" {
			r.probs.add(f.env, 0, "%s", msg)
			r.failed[f.path] = true
			continue
		}
		for p := range r.origin {
			if p == f.path || strings.HasPrefix(p, f.path+".") || strings.HasPrefix(p, f.path+"[") {
				delete(r.origin, p)
			}
		}
		r.origin[f.path] = origin{env: f.env}
	}
}

// envValue sets f from the variable's text s. policy.channels takes YAML,
// like {C0123ABCD: {clouds: [hetzner]}}.
func (r *reader) envValue(f field, s string) string {
	p, ok := f.ptr.(*map[string]ChannelPolicy)
	if !ok {
		return setText(f.ptr, s)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(s), &doc); err != nil {
		return "not YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")
	}
	sub := &reader{schema: r.schema, origin: map[string]origin{}, failed: map[string]bool{}}
	var m map[string]ChannelPolicy
	if len(doc.Content) > 0 {
		sub.channels(f.path, doc.Content[0], 0, &m)
	}
	if len(sub.probs) > 0 {
		msgs := make([]string, len(sub.probs))
		for i, sp := range sub.probs {
			msgs[i] = within(strings.TrimPrefix(sp.Path, f.path), sp.Msg)
		}
		return strings.Join(msgs, "; ")
	}
	*p = m
	return ""
}

// locate turns a problem Validate found at a field path into one that says
// where the value came from, o: the file's line, or the variable (then the
// problem's path is the variable and the rest of the field path leads the
// message). o is zero for a default. ok is false for a value that could not
// be read, already reported.
func (r *reader) locate(p Problem) (_ Problem, o origin, ok bool) {
	for q := p.Path; q != ""; q = parentPath(q) {
		if r.failed[q] {
			return p, o, false
		}
	}
	for q := p.Path; q != ""; q = parentPath(q) {
		o, found := r.origin[q]
		if !found {
			continue
		}
		if o.env == "" {
			p.Line = o.line
		} else {
			p.Path, p.Msg = o.env, within(p.Path[len(q):], p.Msg)
		}
		return p, o, true
	}
	return p, o, true
}

// within prefixes msg with rest, the part of a problem's path below the
// setting a variable sets: "[1]" becomes "item 2: ", ".C0123ABCD.clouds[0]"
// becomes "C0123ABCD.clouds[0]: ".
func within(rest, msg string) string {
	if rest == "" {
		return msg
	}
	if strings.HasPrefix(rest, "[") && strings.HasSuffix(rest, "]") {
		if i, err := strconv.Atoi(rest[1 : len(rest)-1]); err == nil {
			return fmt.Sprintf("item %d: %s", i+1, msg)
		}
	}
	return strings.TrimPrefix(rest, ".") + ": " + msg
}

// parentPath drops the last element of a path: "policy.admins[1]" ->
// "policy.admins" -> "policy" -> "".
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndexByte(path, '['); i > 0 {
			return path[:i]
		}
	}
	parent, _ := splitPath(path)
	return parent
}
