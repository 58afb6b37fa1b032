package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// ErrClosed is returned by Wait when the receiver shuts down first.
var ErrClosed = errors.New("receiver closed")

// Default and largest timeout of GET /events/wait.
const (
	DefaultWaitTimeout = 10 * time.Second
	MaxWaitTimeout     = 10 * time.Minute
)

// Record is one received webhook: kept in memory, served by GET /events
// and written as one line of the record file.
type Record struct {
	// Seq numbers records from 1 in arrival order. It is never reused, not
	// even after DELETE /events.
	Seq int64 `json:"seq"`
	// ReceivedAt is when the whole body had arrived (Config.Now, in UTC).
	ReceivedAt time.Time `json:"received_at"`
	Method     string    `json:"method"`
	Path       string    `json:"path"`
	// Query is the raw query string, for senders that authenticate with a
	// token in the URL.
	Query   string      `json:"query,omitempty"`
	Headers http.Header `json:"headers"`
	// Action is the body's "action", or "" when it has none.
	Action schemas.Action `json:"action"`
	// Body is the JSON as sent (compacted) when it parses; otherwise a JSON
	// string holding the text (invalid UTF-8 replaced), or null when the
	// body was over the limit or could not be read.
	Body json.RawMessage `json:"body"`
	// Valid reports whether the body matches the schema of its action.
	Valid bool `json:"valid"`
	// Errors are the reasons Valid is false; empty when it is true.
	Errors []schemas.Problem `json:"errors"`
	// ResponseStatus is the status the receiver answered (or, when
	// Abandoned, would have answered).
	ResponseStatus int `json:"response_status"`
	// Abandoned reports that the sender gave up (closed the connection or
	// timed out) before the receiver answered, typically during a delay.
	Abandoned bool `json:"abandoned,omitempty"`
	// ForwardStatus is the pipeline's answer to the relay; ForwardError
	// says why there is none. Both are empty while the relay is in flight
	// and when nothing was relayed.
	ForwardStatus int    `json:"forward_status,omitempty"`
	ForwardError  string `json:"forward_error,omitempty"`
}

// MarshalJSON writes received_at as Label Studio writes datetimes: UTC,
// six fraction digits, Z. HTML is not escaped, so label configs stay readable.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	v := struct {
		plain
		ReceivedAt string `json:"received_at"`
	}{plain(r), r.ReceivedAt.UTC().Format("2006-01-02T15:04:05.000000Z")}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Filter selects records, in the Go API and in the query string of
// GET /events and GET /events/wait. The zero Filter selects every record.
type Filter struct {
	// Action keeps records with this action (query "action").
	Action schemas.Action
	// Valid, if set, keeps valid or invalid records only (query "valid=true|false").
	Valid *bool
	// Since keeps records with Seq > Since (query "since").
	Since int64
	// Path keeps records posted to exactly this path (query "path").
	Path string
}

// Match reports whether r passes the filter.
func (f Filter) Match(r Record) bool {
	return r.Seq > f.Since &&
		(f.Action == "" || r.Action == f.Action) &&
		(f.Valid == nil || r.Valid == *f.Valid) &&
		(f.Path == "" || r.Path == f.Path)
}

// Events returns the records f selects, in seq order. The records share
// their headers, body and errors with the receiver: treat them as read-only.
func (rc *Receiver) Events(f Filter) []Record {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.matchLocked(f, -1)
}

// Wait returns the first n records f selects as soon as there are n of
// them. When ctx ends first it returns the ones there are and an error
// wrapping the context's; when the receiver shuts down first, ErrClosed.
func (rc *Receiver) Wait(ctx context.Context, f Filter, n int) ([]Record, error) {
	if n < 1 {
		return nil, fmt.Errorf("wait for %d records: want at least 1", n)
	}
	for {
		rc.mu.Lock()
		got := rc.matchLocked(f, n)
		changed := rc.changed
		rc.mu.Unlock()
		if len(got) == n {
			return got, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return got, fmt.Errorf("wait for %d records: got %d: %w", n, len(got), context.Cause(ctx))
		case <-rc.stop:
			return got, fmt.Errorf("wait for %d records: got %d: %w", n, len(got), ErrClosed)
		}
	}
}

// Clear forgets every record and returns how many there were. Seq numbers
// keep counting, so a since cursor taken before stays valid.
func (rc *Receiver) Clear() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := len(rc.records)
	rc.records = nil
	rc.notifyLocked()
	return n
}

// matchLocked returns up to limit matching records (all when limit < 0).
func (rc *Receiver) matchLocked(f Filter, limit int) []Record {
	start, _ := slices.BinarySearchFunc(rc.records, f.Since+1, func(r Record, seq int64) int {
		return compareSeq(r.Seq, seq)
	})
	out := []Record{}
	for _, r := range rc.records[start:] {
		if limit >= 0 && len(out) == limit {
			break
		}
		if f.Match(r) {
			out = append(out, r)
		}
	}
	return out
}

// update replaces the stored copy of rec, unless DELETE /events dropped it.
func (rc *Receiver) update(rec Record) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	i, found := slices.BinarySearchFunc(rc.records, rec.Seq, func(r Record, seq int64) int {
		return compareSeq(r.Seq, seq)
	})
	if found {
		rc.records[i] = rec
		rc.notifyLocked()
	}
}

// notifyLocked wakes every Wait.
func (rc *Receiver) notifyLocked() {
	close(rc.changed)
	rc.changed = make(chan struct{})
}

func compareSeq(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// handleEventsList serves GET /events.
func (rc *Receiver) handleEventsList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, rc.Events(f))
}

// handleEventsDelete serves DELETE /events.
func (rc *Receiver) handleEventsDelete(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "DELETE /events takes no query parameters: it clears every record")
		return
	}
	n := rc.Clear()
	rc.log.Info("records cleared", "count", n)
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
}

// handleEventsWait serves GET /events/wait.
func (rc *Receiver) handleEventsWait(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f, err := parseFilter(q, "count", "timeout")
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	count := 1
	if s := q.Get("count"); s != "" {
		count, err = strconv.Atoi(s)
		if err != nil || count < 1 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("count: want a whole number of at least 1, got %q", s))
			return
		}
	}
	timeout := DefaultWaitTimeout
	if s := q.Get("timeout"); s != "" {
		timeout, err = time.ParseDuration(s)
		if err != nil || timeout <= 0 || timeout > MaxWaitTimeout {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("timeout: want a duration like 5s, above 0 and at most %s, got %q", MaxWaitTimeout, s))
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), timeout)
	defer cancel()
	got, err := rc.Wait(ctx, f, count)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, got)
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case r.Context().Err() != nil:
		// The client left; there is no one to answer.
	default:
		writeJSON(w, http.StatusRequestTimeout, got)
	}
}

// parseFilter reads a Filter from a query string. Every parameter must be
// known and given once, so a typo fails loudly instead of matching all.
func parseFilter(q url.Values, extra ...string) (Filter, error) {
	known := append([]string{"action", "valid", "since", "path"}, extra...)
	for k, vs := range q {
		if !slices.Contains(known, k) {
			return Filter{}, fmt.Errorf("unknown query parameter %q (known: %s)", k, strings.Join(known, ", "))
		}
		if len(vs) > 1 {
			return Filter{}, fmt.Errorf("query parameter %q given %d times; give it once", k, len(vs))
		}
	}
	var f Filter
	if s := q.Get("action"); s != "" {
		if _, ok := schemas.Lookup(s); !ok {
			msg := fmt.Sprintf("action: unknown action %q", s)
			if sug := schemas.Suggest(s); sug != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", sug)
			}
			return Filter{}, errors.New(msg)
		}
		f.Action = schemas.Action(s)
	}
	if s := q.Get("valid"); s != "" {
		switch s {
		case "true":
			f.Valid = new(true)
		case "false":
			f.Valid = new(false)
		default:
			return Filter{}, fmt.Errorf("valid: want true or false, got %q", s)
		}
	}
	if s := q.Get("since"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return Filter{}, fmt.Errorf("since: want a seq number of at least 0, got %q", s)
		}
		f.Since = n
	}
	f.Path = q.Get("path")
	return f, nil
}
