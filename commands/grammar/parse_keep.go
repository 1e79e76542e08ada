package grammar

import "strings"

// keep parses keep <name> [lease].
func (p *parser) keep(args []token) (Command, error) {
	switch {
	case len(args) == 0:
		return Command{}, p.usageErr("`keep` needs the name of a VM")
	case len(args) > 2:
		return Command{}, p.extra(args[2], "a name and `lease`")
	}
	name, err := p.name(args[0])
	if err != nil {
		return Command{}, err
	}
	c := Command{Verb: VerbKeep, Name: name}
	if len(args) == 2 {
		if !strings.EqualFold(args[1].text, "lease") {
			return Command{}, p.usageErr("after the name, `keep` takes only `lease` (keep it until its lease ends)")
		}
		c.KeepLease = true
	}
	return c, nil
}
