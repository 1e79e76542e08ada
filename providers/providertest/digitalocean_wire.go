package providertest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// writeFault answers with an injected failure in DigitalOcean's error
// format. A 429 gets RateLimit-* and Retry-After headers unless the fault
// sets its own.
func (e *DigitalOcean) writeFault(w http.ResponseWriter, f Fault) {
	if f.Dropped(w) {
		return
	}
	id, msg := "server_error", "Server was unable to give you a response."
	switch f.Status {
	case http.StatusUnauthorized:
		id, msg = "unauthorized", "Unable to authenticate you"
	case http.StatusForbidden:
		id, msg = "forbidden", "You do not have access for the attempted action."
	case http.StatusNotFound:
		id, msg = "not_found", "The resource you requested could not be found."
	case http.StatusUnprocessableEntity:
		id, msg = "unprocessable_entity", "The request could not be processed."
	case http.StatusTooManyRequests:
		id, msg = "too_many_requests", "API Rate limit exceeded."
		w.Header().Set("RateLimit-Limit", "5000")
		w.Header().Set("RateLimit-Remaining", "0")
		w.Header().Set("RateLimit-Reset", strconv.FormatInt(e.now().Add(time.Second).Unix(), 10))
		w.Header().Set("Retry-After", "1")
	case http.StatusServiceUnavailable:
		id, msg = "service_unavailable", "The service is temporarily unavailable."
	case http.StatusConflict:
		id, msg = "conflict", "The request conflicts with the current state of the resource."
		if f.Conflict {
			msg = "A droplet with this name already exists."
		}
	}
	f.WriteHeaders(w)
	doError(w, f.Status, id, msg)
}

// doPage returns the page of items a request asks for (page, and per_page
// defaulting to 20 and capped at limit) with the links.pages to send with
// it, as DigitalOcean paginates.
func doPage[T any](r *http.Request, items []T, limit int) ([]T, map[string]any) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	page = max(page, 1)
	per, err := strconv.Atoi(q.Get("per_page"))
	if err != nil || per <= 0 {
		per = 20
	}
	per = min(per, limit)
	last := max((len(items)+per-1)/per, 1)
	start, end := min((page-1)*per, len(items)), min(page*per, len(items))
	link := func(n int) string {
		q := r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(per))
		u := url.URL{Scheme: "http", Host: r.Host, Path: r.URL.Path, RawQuery: q.Encode()}
		return u.String()
	}
	pages := map[string]any{}
	if page > 1 {
		pages["first"], pages["prev"] = link(1), link(min(page-1, last))
	}
	if page < last {
		pages["next"], pages["last"] = link(page+1), link(last)
	}
	links := map[string]any{}
	if len(pages) > 0 {
		links["pages"] = pages
	}
	return items[start:end], links
}

// pageLimit is the largest page the API serves: 200, or SetPageSize's cap.
// Callers hold e.mu.
func (e *DigitalOcean) pageLimit() int {
	if e.pageSize <= 0 || e.pageSize > doMaxPerPage {
		return doMaxPerPage
	}
	return e.pageSize
}

// doWriteList writes a list reply: the rendered page under key, links and
// meta.total.
func doWriteList(w http.ResponseWriter, key string, page []any, links map[string]any, total int) {
	doJSON(w, http.StatusOK, map[string]any{key: doNonNil(page), "links": links, "meta": map[string]any{"total": total}})
}

func doSleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// doError writes DigitalOcean's error body {"id","message","request_id"}.
func doError(w http.ResponseWriter, status int, id, message string) {
	rid := strconv.FormatInt(time.Now().UnixNano(), 36)
	w.Header().Set("X-Request-Id", rid)
	doJSON(w, status, map[string]any{"id": id, "message": message, "request_id": rid})
}

func doJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// doTime formats t as RFC 3339, or null for the zero time.
func doTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC().Format(time.RFC3339)
}
