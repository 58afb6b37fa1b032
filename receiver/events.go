package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// DroppedHeader names the response header of GET /events and
// GET /events/wait that says how many records the record cap has dropped
// since the receiver started (see Receiver.Dropped).
const DroppedHeader = "Labelhook-Records-Dropped"

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
	// ForwardMS is how long the relay took, in milliseconds (to the
	// microsecond), whether it got an answer or failed; zero when nothing
	// was relayed.
	ForwardMS float64 `json:"forward_ms,omitempty"`
}

// MarshalJSON writes received_at as Label Studio writes datetimes: UTC,
// six fraction digits, Z. HTML is not escaped, so label configs stay readable.
//
// The body is spliced in as it is kept (compact JSON), not run through
// encoding/json: that would copy it several times, and encoding/json keeps
// its largest buffer for reuse, so one 64 MiB body would stay in memory
// after DELETE /events.
func (r Record) MarshalJSON() ([]byte, error) {
	body := []byte(r.Body)
	if len(body) == 0 {
		body = []byte("null")
	}
	if !json.Valid(body) {
		return nil, fmt.Errorf("record %d: body is not JSON", r.Seq)
	}
	if bytes.ContainsAny(body, "\r\n") { // only whitespace between tokens can hold these
		var buf bytes.Buffer
		_ = json.Compact(&buf, body) // valid, checked above
		body = buf.Bytes()
	}
	type plain Record
	v := struct {
		plain
		ReceivedAt string `json:"received_at"`
	}{plain(r), r.ReceivedAt.UTC().Format("2006-01-02T15:04:05.000000Z")}
	v.Body = nil // "body":null, replaced below
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	head := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	// The key can occur only once outside strings, and the fields after it
	// (valid, errors, statuses) cannot hold it: the last match is the field.
	const marker = `"body":null,"valid":`
	i := bytes.LastIndex(head, []byte(marker))
	if i < 0 {
		return nil, fmt.Errorf("record %d: no body field in %.100s", r.Seq, head)
	}
	i += len(`"body":`)
	out := make([]byte, 0, len(head)-len("null")+len(body)+1) // +1: room for a record file's newline
	out = append(out, head[:i]...)
	out = append(out, body...)
	out = append(out, head[i+len("null"):]...)
	return out, nil
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
	out := []Record{}
	for _, r := range rc.records.from(f.Since + 1) {
		if f.Match(r) {
			out = append(out, r)
		}
	}
	return out
}

// Dropped returns how many records Config.MaxRecords has dropped since
// New (records forgotten by Clear are not counted).
func (rc *Receiver) Dropped() int64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.dropped
}

// Wait returns the first n records f selects as soon as there are n of
// them. When ctx ends first it returns the ones there are and an error
// wrapping the context's; when the receiver shuts down first, ErrClosed.
//
// Each wake-up looks only at the records that arrived since the last one
// (a cursor), so a wait costs O(new records), however many are kept.
func (rc *Receiver) Wait(ctx context.Context, f Filter, n int) ([]Record, error) {
	if n < 1 {
		return nil, fmt.Errorf("wait for %d records: want at least 1", n)
	}
	var (
		matched []int64 // seqs of the matching records found so far, ascending
		next    int64   // the first seq not looked at yet
	)
	if f.Since < math.MaxInt64 {
		next = f.Since + 1
	} else {
		next = math.MaxInt64 // no seq can pass the filter
	}
	// forgetDroppedLocked drops the matches that are no longer kept.
	// Records only leave from the front (the cap) or all at once (Clear),
	// so a match is still kept iff its seq >= the first kept.
	forgetDroppedLocked := func() {
		first := rc.records.first()
		if first == 0 {
			first = rc.seq + 1
		}
		i := 0
		for i < len(matched) && matched[i] < first {
			i++
		}
		matched = matched[i:]
	}
	// partial returns the matches there are, once the wait ends early.
	partial := func() []Record {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		forgetDroppedLocked()
		return rc.collectLocked(matched)
	}
	for {
		rc.mu.Lock()
		forgetDroppedLocked()
		for _, r := range rc.records.from(next) {
			if len(matched) == n {
				break
			}
			if f.Match(r) {
				matched = append(matched, r.Seq)
			}
		}
		if len(matched) == n {
			got := rc.collectLocked(matched)
			rc.mu.Unlock()
			return got, nil
		}
		if next <= rc.seq {
			next = rc.seq + 1
		}
		changed := rc.changed
		rc.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			got := partial()
			return got, fmt.Errorf("wait for %d records: got %d: %w", n, len(got), context.Cause(ctx))
		case <-rc.stop:
			got := partial()
			return got, fmt.Errorf("wait for %d records: got %d: %w", n, len(got), ErrClosed)
		}
	}
}

// collectLocked copies the kept records with the given seqs, in order.
func (rc *Receiver) collectLocked(seqs []int64) []Record {
	out := make([]Record, 0, len(seqs))
	for _, seq := range seqs {
		if r, ok := rc.records.get(seq); ok {
			out = append(out, *r)
		}
	}
	return out
}

// Clear forgets every record and returns how many there were. Seq numbers
// keep counting, so a since cursor taken before stays valid. The memory
// is free for the next garbage collection; DELETE /events also hands it
// back to the operating system.
func (rc *Receiver) Clear() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	n := rc.records.reset()
	rc.notifyLocked()
	rc.ui.Cleared()
	return n
}

// update replaces the stored copy of rec, unless it was dropped meanwhile
// (DELETE /events or the record cap).
func (rc *Receiver) update(rec Record) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if r, ok := rc.records.get(rec.Seq); ok {
		*r = rec
		rc.notifyLocked()
	}
}

// notifyLocked wakes every Wait.
func (rc *Receiver) notifyLocked() {
	close(rc.changed)
	rc.changed = make(chan struct{})
}

// handleEventsList serves GET /events.
func (rc *Receiver) handleEventsList(w http.ResponseWriter, r *http.Request) {
	f, err := parseFilter(r.URL.Query())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	recs := rc.Events(f)
	rc.writeRecords(w, http.StatusOK, recs)
}

// handleEventsDelete serves DELETE /events.
func (rc *Receiver) handleEventsDelete(w http.ResponseWriter, r *http.Request) {
	if len(r.URL.Query()) > 0 {
		writeError(w, http.StatusBadRequest, "DELETE /events takes no query parameters: it clears every record")
		return
	}
	n := rc.Clear()
	// Without this the bodies would stay in the process until enough new
	// garbage triggers a collection, and then stay mapped for minutes.
	debug.FreeOSMemory()
	rc.log.Info("records cleared", "count", n)
	writeJSON(w, http.StatusOK, deleteAnswer{Deleted: n, Dropped: rc.Dropped()})
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
		rc.writeRecords(w, http.StatusOK, got)
	case errors.Is(err, ErrClosed):
		writeError(w, http.StatusServiceUnavailable, err.Error())
	case r.Context().Err() != nil:
		// The client left; there is no one to answer.
	default:
		rc.writeRecords(w, http.StatusRequestTimeout, got)
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
