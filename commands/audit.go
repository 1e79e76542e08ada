package commands

import (
	"context"
	"fmt"
	"github.com/spuffbot/spuffbot/commands/grammar"
	"time"
)

// auditLog answers `/spuff audit [n]`: the latest cmd.Count events of the
// audit log (auditDefaultCount when zero, at most auditMaxCount), oldest
// first. Only admins may read it; anyone else is refused, and the refusal
// is itself audited. So is every read: who looked at the log is part of it.
func (s *Service) auditLog(ctx context.Context, c Caller, cmd grammar.Command) (Reply, error) {
	if !s.IsAdmin(c.User) {
		s.audit(ctx, c.User, string(grammar.VerbAudit), "", "refused: not an admin", "")
		hint := Concat(Textf("ask one of: "), Users(s.cfg.Admins))
		if len(s.cfg.Admins) == 0 {
			hint = Textf("no admins are configured")
		}
		return Reply{}, refuseText(hint, Textf("only admins can read the audit log"))
	}
	n := cmd.Count
	switch {
	case n <= 0:
		n = grammar.AuditDefaultCount
	case n > grammar.AuditMaxCount:
		n = grammar.AuditMaxCount
	}
	events, err := s.store.ListAudit(ctx, time.Time{}, n)
	if err != nil {
		return Reply{}, fmt.Errorf("audit log: %w", err)
	}
	s.audit(ctx, c.User, string(grammar.VerbAudit), "", fmt.Sprintf("ok: %d events", len(events)), "")
	r := Reply{Audit: events}
	if len(events) == 0 {
		r.Text = "The audit log is empty."
	}
	return r, nil
}
