package grammar

import "strings"

// flagSpec is one flag a command accepts; value flags take a value
// (--size s or --size=s), the others are switches.
type flagSpec struct {
	name  string
	value bool
}

// commandFlags lists the flags of each command, keyed by its words.
var commandFlags = map[string][]flagSpec{
	"up": {
		{"size", true}, {"region", true}, {"provider", true},
		{"image", true}, {"snapshot", true}, {"ttl", true},
	},
	"down":          {{"snapshot", false}},
	"list":          {{"all", false}},
	"snapshot list": {{"all", false}},
	"sizes":         {{"provider", true}},
}

// flagSet is the result of splitting a command's words into positional
// arguments and flags.
type flagSet struct {
	args []token
	// vals holds each flag given, by name without dashes; switches map to "".
	vals map[string]string
}

func (f flagSet) has(name string) bool {
	_, ok := f.vals[name]
	return ok
}

// wantsHelp reports whether the words include --help or -h.
func wantsHelp(toks []token) bool {
	for _, t := range toks {
		if isFlag(t) {
			switch strings.ToLower(strings.TrimLeft(t.text, "-")) {
			case "help", "h":
				return true
			}
		}
	}
	return false
}

// flags splits toks into positional arguments and the flags of p.cmd.
func (p *parser) flags(toks []token) (flagSet, error) {
	specs := commandFlags[p.cmd]
	fs := flagSet{}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !isFlag(t) {
			fs.args = append(fs.args, t)
			continue
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(t.text, "-"), "=")
		name = strings.ToLower(name)
		var spec *flagSpec
		for j := range specs {
			if specs[j].name == name {
				spec = &specs[j]
			}
		}
		if spec == nil {
			return fs, p.unknownFlag(t.text, name, specs)
		}
		if fs.has(name) {
			return fs, p.usageErr("flag `--%s` is given twice", name)
		}
		if !spec.value {
			if hasVal {
				return fs, p.usageErr("flag `--%s` takes no value", name)
			}
			if fs.vals == nil {
				fs.vals = make(map[string]string, 2)
			}
			fs.vals[name] = ""
			continue
		}
		if !hasVal {
			if i+1 >= len(toks) || isFlag(toks[i+1]) {
				return fs, p.usageErr("flag `--%s` needs a value", name)
			}
			i++
			val = toks[i].text
		}
		if val == "" {
			return fs, p.usageErr("flag `--%s` needs a value", name)
		}
		if fs.vals == nil {
			fs.vals = make(map[string]string, 4)
		}
		fs.vals[name] = val
	}
	return fs, nil
}

// unknownFlag is the error for a flag the command does not have.
func (p *parser) unknownFlag(typed, name string, specs []flagSpec) error {
	msg := "unknown flag " + codeWord(typed) + " for `" + p.cmd + "`"
	if len(specs) == 0 {
		msg = "`" + p.cmd + "` takes no flags, got " + codeWord(typed)
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	if best, ok := closest(name, names, nil); ok {
		return &Error{Msg: msg, Hint: "did you mean `--" + best + "`?"}
	}
	return &Error{Msg: msg, Hint: p.usageHint()}
}
