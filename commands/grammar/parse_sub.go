package grammar

import "strings"

// sub parses the commands with sub-commands: snapshot and key.
func (p *parser) sub(v Verb) (Command, error) {
	t, ok, err := p.next()
	if err != nil {
		return Command{}, err
	}
	if !ok {
		return Command{}, p.usageErr("`%s` needs a sub-command: %s", v, joinSubs(v))
	}
	word := strings.ToLower(t.text)
	sub, known := subWords[v][word]
	if !known {
		if wantsHelp([]token{t}) {
			return Command{Verb: VerbHelp, Topic: string(v)}, nil
		}
		msg := "unknown `" + string(v) + "` command " + codeWord(t.text)
		if best, ok := closest(word, subLists[v], subSynonyms[v]); ok {
			return Command{}, &Error{Msg: msg, Hint: "did you mean `" + string(v) + " " + best + "`?"}
		}
		return Command{}, &Error{Msg: msg, Hint: "use one of " + joinSubs(v) + "; " + p.usageHint()}
	}
	p.cmd, p.typed = string(v)+" "+sub, p.typed+" "+word
	c := Command{Verb: v, Sub: sub}
	if p.cmd == "key add" {
		return p.keyAdd(c)
	}
	if p.args, err = p.all(); err != nil {
		return Command{}, err
	}
	if wantsHelp(p.args) {
		return Command{Verb: VerbHelp, Topic: string(v)}, nil
	}
	fs, err := p.flags(p.args)
	if err != nil {
		return Command{}, err
	}
	args := fs.args
	switch p.cmd {
	case "snapshot create":
		if len(args) == 0 {
			return Command{}, p.usageErr("`snapshot create` needs the name of the VM to snapshot")
		}
		if c.Name, err = p.name(args[0]); err != nil {
			return Command{}, err
		}
		words := make([]string, len(args)-1)
		for i, a := range args[1:] {
			words[i] = a.text
		}
		c.Label = strings.Join(words, " ")
		if problem := textProblem(c.Label, maxLabelLen); problem != "" {
			return Command{}, p.usageErr("the label %s", problem)
		}
	case "snapshot delete":
		c.ID, err = p.oneRef(args, "the id of the snapshot (see `/spuff snapshot list`)")
	case "key remove":
		c.Fingerprint, err = p.oneRef(args, "the fingerprint of the key (see `/spuff key list`)")
	case "snapshot list":
		c.All = fs.has("all")
		err = p.noArgs(args)
	default: // key list
		err = p.noArgs(args)
	}
	if err != nil {
		return Command{}, err
	}
	return c, nil
}

// keyAdd takes the rest of the line as the public key, without the quotes
// or code markers a person may have pasted around it.
func (p *parser) keyAdd(c Command) (Command, error) {
	key := p.lex.rest()
	for again := true; again; {
		again = false
		for _, w := range []string{"```", "`", `"`, "'"} {
			if len(key) >= 2*len(w) && strings.HasPrefix(key, w) && strings.HasSuffix(key, w) {
				key, again = strings.TrimSpace(key[len(w):len(key)-len(w)]), true
				break
			}
		}
	}
	switch strings.ToLower(key) {
	case "":
		return Command{}, p.usageErr("`key add` needs a public key, like `ssh-ed25519 AAAA… you@laptop`")
	case "--help", "-h":
		return Command{Verb: VerbHelp, Topic: string(VerbKey)}, nil
	}
	c.Key = key
	return c, nil
}

// oneRef reads the single id-like argument of snapshot delete and key
// remove.
func (p *parser) oneRef(args []token, what string) (string, error) {
	switch len(args) {
	case 0:
		return "", p.usageErr("`%s` needs %s", p.cmd, what)
	case 1:
		if args[0].text == "" {
			return "", p.usageErr("`%s` needs %s", p.cmd, what)
		}
	default:
		return "", p.extra(args[1], "one argument")
	}
	if problem := refProblem(args[0].text); problem != "" {
		return "", p.usageErr("%s %s", codeWord(args[0].text), problem)
	}
	return args[0].text, nil
}

// joinSubs lists the sub-commands of v for a message.
func joinSubs(v Verb) string {
	subs := subLists[v]
	return "`" + subs[0] + "`, `" + subs[1] + "` or `" + subs[2] + "`"
}
