package slacktest

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// History limits as Slack documents them.
const (
	defaultHistoryLimit = 100
	maxHistoryLimit     = 999
)

// readableLocked is channelLocked plus the membership rule for reading: a
// private channel the bot is not in answers not_in_channel.
func (s *Server) readableLocked(id string) (*channel, *apiError) {
	c, err := s.channelLocked(id)
	if err != nil {
		return nil, err
	}
	if c.private && !c.member {
		return nil, errCode("not_in_channel")
	}
	return c, nil
}

// window is the part of a conversation one history call asks for.
type window struct {
	oldest, latest int64 // microseconds; latest 0: now
	inclusive      bool
	limit          int
	cursor         int64 // the ts to continue from, 0 for the first page
	metadata       bool  // include_all_metadata
}

func readWindow(req *apiRequest) (window, *apiError) {
	w := window{limit: defaultHistoryLimit, inclusive: flag(req.str("inclusive")), metadata: flag(req.str("include_all_metadata"))}
	var ok bool
	if w.oldest, ok = parseTS(req.str("oldest")); !ok {
		return w, errCode("invalid_ts_oldest")
	}
	if w.latest, ok = parseTS(req.str("latest")); !ok {
		return w, errCode("invalid_ts_latest")
	}
	if v := req.str("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return w, errCode("invalid_limit")
		}
		if n > 0 {
			w.limit = min(n, maxHistoryLimit)
		}
	}
	if v := req.str("cursor"); v != "" {
		raw, err := base64.StdEncoding.DecodeString(v)
		ts, found := strings.CutPrefix(string(raw), "next_ts:")
		if err != nil || !found {
			return w, errCode("invalid_cursor")
		}
		if w.cursor, ok = parseTS(ts); !ok || w.cursor == 0 {
			return w, errCode("invalid_cursor")
		}
	}
	return w, nil
}

// holds reports whether ts lies between oldest and latest.
func (w window) holds(ts int64) bool {
	if ts < w.oldest || (ts == w.oldest && !w.inclusive && w.oldest != 0) {
		return false
	}
	if w.latest != 0 && (ts > w.latest || (ts == w.latest && !w.inclusive)) {
		return false
	}
	return true
}

// page cuts msgs (in the order they are returned) to one page and returns
// the cursor of the next page, "" at the end.
func (w window) page(msgs []*Message) ([]map[string]any, string) {
	out := make([]map[string]any, 0, min(len(msgs), w.limit))
	for i, m := range msgs {
		if len(out) == w.limit {
			ts, _ := parseTS(msgs[i].TS)
			return out, base64.StdEncoding.EncodeToString([]byte("next_ts:" + formatTS(ts)))
		}
		out = append(out, m.historyWire(w.metadata))
	}
	return out, ""
}

func historyReply(msgs []map[string]any, next string) reply {
	return ok(map[string]any{
		"messages":          msgs,
		"has_more":          next != "",
		"pin_count":         0,
		"response_metadata": map[string]any{"next_cursor": next},
	})
}

// conversationsHistory returns the top-level messages of a conversation
// (and thread replies sent to the channel too), newest first.
func conversationsHistory(s *Server, req *apiRequest) reply {
	c, err := s.readableLocked(req.str("channel"))
	if err != nil {
		return fail(err)
	}
	w, err := readWindow(req)
	if err != nil {
		return fail(err)
	}
	var msgs []*Message
	for i := len(c.msgs) - 1; i >= 0; i-- {
		m := c.msgs[i]
		ts, _ := parseTS(m.TS)
		if (m.ThreadTS == "" || m.Broadcast) && w.holds(ts) && (w.cursor == 0 || ts <= w.cursor) {
			msgs = append(msgs, m)
		}
	}
	out, next := w.page(msgs)
	return historyReply(out, next)
}

// conversationsReplies returns a thread: its parent first (on the first
// page), then the replies, oldest first.
func conversationsReplies(s *Server, req *apiRequest) reply {
	c, err := s.readableLocked(req.str("channel"))
	if err != nil {
		return fail(err)
	}
	w, err := readWindow(req)
	if err != nil {
		return fail(err)
	}
	if req.str("ts") == "" {
		return fail(errCode("thread_not_found"))
	}
	parent, err := threadParent(c, req.str("ts"))
	if err != nil {
		return fail(err)
	}
	var msgs []*Message
	if w.cursor == 0 {
		msgs = append(msgs, c.find(parent))
	}
	for _, m := range c.msgs {
		ts, _ := parseTS(m.TS)
		if m.ThreadTS == parent && w.holds(ts) && (w.cursor == 0 || ts >= w.cursor) {
			msgs = append(msgs, m)
		}
	}
	out, next := w.page(msgs)
	return historyReply(out, next)
}

// parseTS reads a message timestamp ("1712345678.000100") as
// microseconds; "" is 0.
func parseTS(ts string) (int64, bool) {
	if ts == "" {
		return 0, true
	}
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	if err != nil || s < 0 || len(frac) > 6 {
		return 0, false
	}
	var us int64
	if frac != "" {
		if us, err = strconv.ParseInt(frac+strings.Repeat("0", 6-len(frac)), 10, 64); err != nil || us < 0 {
			return 0, false
		}
	}
	return s*1_000_000 + us, true
}

// formatTS writes microseconds as a message timestamp.
func formatTS(us int64) string {
	return fmt.Sprintf("%d.%06d", us/1_000_000, us%1_000_000)
}

// flag reads a boolean argument as Slack does: "1" or "true".
func flag(v string) bool { return v == "1" || v == "true" }
