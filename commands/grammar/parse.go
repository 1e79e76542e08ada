package grammar

import (
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/spuffbot/spuffbot/providers"
)

// verbWords maps every accepted spelling of a verb to the verb.
var verbWords = map[string]Verb{
	"up":       VerbUp,
	"down":     VerbDown,
	"destroy":  VerbDown,
	"rm":       VerbDown,
	"list":     VerbList,
	"ls":       VerbList,
	"status":   VerbStatus,
	"snapshot": VerbSnapshot,
	"snap":     VerbSnapshot,
	"extend":   VerbExtend,
	"keep":     VerbKeep,
	"key":      VerbKey,
	"sizes":    VerbSizes,
	"audit":    VerbAudit,
	"help":     VerbHelp,
	"--help":   VerbHelp,
	"-h":       VerbHelp,
	"?":        VerbHelp,
}

// verbList is the verbs and aliases in the order suggestions prefer them.
var verbList = []string{
	"up", "down", "list", "status", "snapshot", "extend", "keep", "key", "sizes", "audit", "help",
	"destroy", "rm", "ls", "snap",
}

// subWords maps the sub-commands of snapshot and key, aliases included, to
// their canonical names.
var subWords = map[Verb]map[string]string{
	VerbSnapshot: {"create": "create", "list": "list", "ls": "list", "delete": "delete", "rm": "delete", "del": "delete"},
	VerbKey:      {"add": "add", "list": "list", "ls": "list", "remove": "remove", "rm": "remove", "delete": "remove", "del": "remove"},
}

var subSynonyms = map[Verb]map[string]string{
	VerbSnapshot: {"new": "create", "make": "create", "take": "create", "add": "create", "remove": "delete"},
	VerbKey:      {"upload": "add", "import": "add", "new": "add", "create": "add"},
}

var subLists = map[Verb][]string{
	VerbSnapshot: {"create", "list", "delete"},
	VerbKey:      {"add", "list", "remove"},
}

// Parse parses the text of a /spuff command: what follows "/spuff", though
// a leading "/spuff" is accepted too. Empty text asks for help. Verbs,
// sub-commands and flags ignore case; curly quotes, no-break spaces and
// autocorrected dashes ("—size") are read as what the person typed. Quoted
// words may hold spaces.
//
// Every error is an *Error naming the problem, with the closest valid
// form or the command's usage as Hint. Parse does no I/O: whether a size,
// region or snapshot exists is for the caller to check.
func Parse(text string) (Command, error) {
	p := parser{lex: lexer{s: normalizeLine(text)}}
	c, err := p.parse()
	if err != nil {
		return Command{}, err
	}
	return c, nil
}

// parser holds the state of one Parse call.
type parser struct {
	lex lexer
	// cmd is the command words read so far in canonical form ("up",
	// "snapshot create"); it picks the usage line for hints.
	cmd string
	// typed is the command words as typed and args the words after them;
	// both rebuild the line with a fixed name for a hint.
	typed string
	args  []token
}

func (p *parser) parse() (Command, error) {
	t, ok, err := p.next()
	if err != nil {
		return Command{}, err
	}
	if ok && strings.EqualFold(t.text, "/spuff") && !t.quoted {
		if t, ok, err = p.next(); err != nil {
			return Command{}, err
		}
	}
	if !ok {
		return Command{Verb: VerbHelp}, nil
	}
	word := strings.ToLower(t.text)
	v, known := verbWords[word]
	if !known {
		msg := "unknown command " + codeWord(t.text)
		if best, ok := closest(word, verbList, synonyms); ok {
			return Command{}, &Error{Msg: msg, Hint: "did you mean `" + best + "`?"}
		}
		return Command{}, &Error{Msg: msg, Hint: "try `/spuff help`"}
	}
	p.cmd, p.typed = string(v), word
	if v == VerbSnapshot || v == VerbKey {
		return p.sub(v)
	}
	if p.args, err = p.all(); err != nil {
		return Command{}, err
	}
	if v == VerbHelp {
		return p.help(p.args)
	}
	if wantsHelp(p.args) {
		return Command{Verb: VerbHelp, Topic: string(v)}, nil
	}
	fs, err := p.flags(p.args)
	if err != nil {
		return Command{}, err
	}
	switch v {
	case VerbUp:
		return p.up(fs)
	case VerbDown:
		name, err := p.oneName(fs.args, "the name of the VM to destroy")
		return Command{Verb: VerbDown, Name: name, WithSnapshot: fs.has("snapshot")}, err
	case VerbList:
		return Command{Verb: VerbList, All: fs.has("all")}, p.noArgs(fs.args)
	case VerbStatus:
		name, err := p.oneName(fs.args, "the name of a VM")
		return Command{Verb: VerbStatus, Name: name}, err
	case VerbExtend:
		return p.extend(fs.args)
	case VerbKeep:
		return p.keep(fs.args) // parse_keep.go
	case VerbAudit:
		return p.audit(fs.args)
	default: // VerbSizes
		prov, err := p.provider(fs)
		if err == nil {
			err = p.noArgs(fs.args)
		}
		return Command{Verb: VerbSizes, Provider: prov}, err
	}
}

// next reads a word; an unclosed quote gets the usage of the command so far.
func (p *parser) next() (token, bool, error) {
	t, ok, err := p.lex.next()
	return t, ok, p.withHint(err)
}

func (p *parser) all() ([]token, error) {
	toks, err := p.lex.all()
	return toks, p.withHint(err)
}

func (p *parser) withHint(err error) error {
	var ue *Error
	if errors.As(err, &ue) && ue.Hint == "" {
		ue.Hint = "close the quote"
		if p.cmd != "" {
			ue.Hint += "; " + p.usageHint()
		}
	}
	return err
}

// usageHint is the usage line of the command being parsed, as a hint.
func (p *parser) usageHint() string {
	return "usage: `" + usageOf(p.cmd) + "`"
}

// usageErr is an *Error with the usage of the command as hint.
func (p *parser) usageErr(format string, args ...any) error {
	return &Error{Msg: fmt.Sprintf(format, args...), Hint: p.usageHint()}
}

func (p *parser) up(fs flagSet) (Command, error) {
	c := Command{Verb: VerbUp}
	if len(fs.args) > 1 {
		return Command{}, p.extra(fs.args[1], "at most one name")
	}
	var err error
	if len(fs.args) == 1 {
		if c.Name, err = p.name(fs.args[0]); err != nil {
			return Command{}, err
		}
	}
	if c.Provider, err = p.provider(fs); err != nil {
		return Command{}, err
	}
	for _, f := range []struct {
		name  string
		field *string
		lower bool
	}{{"size", &c.Size, true}, {"region", &c.Region, true}, {"image", &c.Image, false}, {"snapshot", &c.Snapshot, false}} {
		v, ok := fs.vals[f.name]
		if !ok {
			continue
		}
		problem := ""
		if f.lower {
			v = strings.ToLower(v)
			problem = slugProblem(v)
		} else {
			problem = refProblem(v)
		}
		if problem != "" {
			return Command{}, p.usageErr("`--%s` value %s %s", f.name, codeWord(v), problem)
		}
		*f.field = v
	}
	c.Image = normImage(c.Image)
	if c.Image == "ubuntu-" || c.Image == "debian-" {
		return Command{}, p.usageErr("`--image` value %s needs a version, like `ubuntu-24.04` or `debian-12`", codeWord(c.Image))
	}
	if c.Image != "" && c.Snapshot != "" {
		return Command{}, &Error{
			Msg:  "`--image` and `--snapshot` both choose what the VM boots from",
			Hint: "give only one of them; " + p.usageHint(),
		}
	}
	if v, ok := fs.vals["ttl"]; ok {
		if c.TTL, err = p.duration(v, "`--ttl`"); err != nil {
			return Command{}, err
		}
	}
	return c, nil
}

// provider reads --provider, accepting the aliases.
func (p *parser) provider(fs flagSet) (string, error) {
	v, ok := fs.vals["provider"]
	if !ok {
		return "", nil
	}
	if name, ok := providers.Registered().Resolve(strings.ToLower(v)); ok {
		return name, nil
	}
	names, words := providerNames()
	msg := "unknown provider " + codeWord(v)
	if best, ok := closest(v, words, nil); ok {
		return "", &Error{Msg: msg, Hint: "did you mean `" + names[best] + "`?"}
	}
	return "", &Error{Msg: msg, Hint: "use " + orList(providers.Registered().Names())}
}

func (p *parser) extend(args []token) (Command, error) {
	switch len(args) {
	case 0:
		return Command{}, p.usageErr("`extend` needs the name of a VM and a duration")
	case 1:
		if _, reason := parseDuration(args[0].text); reason == "" {
			return Command{}, p.usageErr("`extend` needs the name of the VM before the duration")
		}
		return Command{}, p.usageErr("`extend` needs a duration after the name, like `2h` or `1d`")
	case 2:
	default:
		return Command{}, p.extra(args[2], "a name and a duration")
	}
	name, err := p.name(args[0])
	if err != nil {
		return Command{}, err
	}
	d, err := p.duration(args[1].text, "")
	return Command{Verb: VerbExtend, Name: name, TTL: d}, err
}

func (p *parser) help(args []token) (Command, error) {
	if len(args) == 0 {
		return Command{Verb: VerbHelp}, nil
	}
	if len(args) > 1 {
		return Command{}, p.extra(args[1], "one command")
	}
	topic, err := helpTopic(args[0].text)
	return Command{Verb: VerbHelp, Topic: topic}, err
}

// oneName reads the single name argument of down and status.
func (p *parser) oneName(args []token, what string) (string, error) {
	switch len(args) {
	case 0:
		return "", p.usageErr("`%s` needs %s", p.cmd, what)
	case 1:
		return p.name(args[0])
	default:
		return "", p.extra(args[1], "one name")
	}
}

// name checks a VM name; the hint is the whole line with the name fixed.
func (p *parser) name(t token) (string, error) {
	problem, fix := nameProblem(t.text)
	if problem == "" {
		return t.text, nil
	}
	if fix == "" {
		return "", &Error{Msg: problem, Hint: "use lowercase letters, digits and hyphens, starting with a letter"}
	}
	return "", &Error{Msg: problem, Hint: "try `" + p.retry(t, fix) + "`"}
}

// retry rebuilds the typed command with the word t replaced by fix. When
// that is long or awkward to copy, only the command words and fix remain.
func (p *parser) retry(t token, fix string) string {
	short := "/spuff " + p.typed + " " + fix
	words := []string{"/spuff", p.typed}
	replaced := false
	for _, a := range p.args {
		w := a.text
		switch {
		case !replaced && a == t:
			w, replaced = fix, true
		case strings.ContainsAny(w, "\"'`") || strings.ContainsFunc(w, unicode.IsControl):
			return short
		case a.quoted || w == "" || strings.Contains(w, " "):
			w = `"` + w + `"`
		}
		words = append(words, w)
	}
	line := strings.Join(words, " ")
	if !replaced || len(line) > 200 {
		return short
	}
	return line
}

// duration parses a positive duration; flag names the flag it came from,
// or is "" for an argument.
func (p *parser) duration(s, flag string) (time.Duration, error) {
	what := "duration " + codeWord(s)
	if flag != "" {
		what = flag + " value " + codeWord(s)
	}
	d, reason := parseDuration(s)
	switch {
	case reason == "missing unit":
		n := strings.TrimLeft(s, "+-")
		if len(n) > 12 {
			n = "2"
		}
		return 0, p.usageErr("%s has no unit; add one, like `%sh` or `%sd`", what, n, n)
	case reason == "out of range":
		return 0, p.usageErr("%s is out of range", what)
	case reason != "":
		return 0, p.usageErr("%s is not a duration; use a number and a unit, like `90m`, `4h` or `2d`", what)
	case d <= 0:
		return 0, p.usageErr("%s must be longer than zero", what)
	}
	return d, nil
}

// extra is the error for a word beyond what the command takes.
func (p *parser) extra(t token, takes string) error {
	return p.usageErr("too many arguments: `%s` takes %s; %s is one too many", p.cmd, takes, codeWord(t.text))
}

func (p *parser) noArgs(args []token) error {
	if len(args) > 0 {
		return p.usageErr("`%s` takes no arguments, got %s", p.cmd, codeWord(args[0].text))
	}
	return nil
}
