package grammar

import (
	"strconv"
	"strings"
)

// How many audit events `/spuff audit` shows: AuditDefaultCount when the
// line gives no number, at most AuditMaxCount.
const (
	AuditDefaultCount = 20
	AuditMaxCount     = 200
)

// audit reads the optional count of `audit [n]`: a whole number from 1 to
// AuditMaxCount, AuditDefaultCount when left out.
func (p *parser) audit(args []token) (Command, error) {
	c := Command{Verb: VerbAudit, Count: AuditDefaultCount}
	switch len(args) {
	case 0:
		return c, nil
	case 1:
	default:
		return Command{}, p.extra(args[1], "at most one number")
	}
	s := args[0].text
	digits := strings.TrimLeft(s, "+-")
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" || len(digits) < len(s)-1 {
		return Command{}, p.usageErr("`audit` takes the number of events to show, like `50`; %s is not a number", codeWord(s))
	}
	n, err := strconv.Atoi(s)
	switch {
	case err != nil && strings.HasPrefix(s, "-"), err == nil && n < 1:
		return Command{}, p.usageErr("the number of events %s must be at least 1", codeWord(s))
	case err != nil, n > AuditMaxCount:
		return Command{}, p.usageErr("`audit` shows at most %d events; %s is too many", AuditMaxCount, codeWord(s))
	}
	c.Count = n
	return c, nil
}
