package inspector

import (
	"bufio"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strconv"
	"strings"
)

// ReceiverPagePath is where `labelhook receive` mounts the page.
const ReceiverPagePath = "/ui"

// ReceiverSource is how the page reads the receiver's records. A record
// is the JSON object GET /events writes for it (seq, received_at, method,
// path, query, headers, action, body, valid, errors, response_status,
// abandoned, forward_status, forward_error, forward_ms).
type ReceiverSource struct {
	// Since yields the records with seq > since, in seq order.
	Since func(since int64) iter.Seq[json.RawMessage]
	// Get returns the record with seq, or false when it is not kept.
	Get func(seq int64) (json.RawMessage, bool)
	// Done is closed when the receiver shuts down: live streams end, so
	// the HTTP server's shutdown does not wait on them.
	Done <-chan struct{}
	// Client sends replays; nil means a plain client. Every replay is
	// bounded by ReplayTimeout whatever the client says.
	Client *http.Client
}

// ReceiverPage serves the receiver's page and its data routes below
// ReceiverPagePath:
//
//	GET /ui/                  the page
//	GET /ui/api/events        summaries of the records (since=N): no body, a preview and its size
//	GET /ui/api/events/{seq}  one record, its body as JSON text (body_text), with max_body=N cut to N bytes
//	GET /ui/api/stream        server-sent events: each record once final (after the relay
//	                          and any planned delay), "cleared" after DELETE /events
//	PUT /ui/api/replay        {"seq": N, "url": "..."}: send the record's body and headers there
//
// POSTs never reach it: to the receiver every POST is a webhook.
type ReceiverPage struct {
	src    ReceiverSource
	static *static
	feed   *feed
	client *http.Client
}

// NewReceiverPage returns the page over src.
func NewReceiverPage(src ReceiverSource) *ReceiverPage {
	p := &ReceiverPage{
		src:    src,
		static: newStatic(ReceiverPagePath+"/", modeReceiver),
		feed:   newFeed(),
		client: src.Client,
	}
	if p.client == nil {
		p.client = &http.Client{}
	}
	return p
}

// Publish tells the open pages that the record with seq is final. record
// is called only when a page is open, so a receiver nobody watches pays
// nothing.
func (p *ReceiverPage) Publish(seq int64, record func() ([]byte, error)) {
	if !p.feed.watched() {
		return
	}
	raw, err := record()
	if err != nil {
		return // the receiver logs records it cannot encode; the page reloads them on resync
	}
	sum, err := summarise(raw)
	if err != nil {
		return
	}
	p.feed.publish(frame("record", strconv.FormatInt(seq, 10), sum))
}

// Cleared tells the open pages that every record was forgotten.
func (p *ReceiverPage) Cleared() {
	p.feed.publish(frame("cleared", "", []byte("{}")))
}

// ServeHTTP serves the page's routes; r.URL.Path starts with ReceiverPagePath.
func (p *ReceiverPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, ReceiverPagePath)
	if !ok || (rest != "" && !strings.HasPrefix(rest, "/")) {
		writeError(w, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path)
		return
	}
	rest = strings.TrimPrefix(rest, "/")
	api, isAPI := strings.CutPrefix(rest, "api/")
	if !isAPI {
		p.static.serve(w, r, rest)
		return
	}
	securityHeaders(w.Header())
	switch {
	case api == "events":
		p.only(w, r, http.MethodGet, p.handleEventsList)
	case strings.HasPrefix(api, "events/"):
		p.only(w, r, http.MethodGet, p.handleEventGet)
	case api == "stream":
		p.only(w, r, http.MethodGet, p.handleStream)
	case api == "replay":
		p.only(w, r, http.MethodPut, p.handleReplay)
	default:
		writeError(w, http.StatusNotFound, "no route "+r.Method+" "+r.URL.Path)
	}
}

// only runs h for method and answers 405 otherwise (POST stays the
// receiver's: it never gets here).
func (p *ReceiverPage) only(w http.ResponseWriter, r *http.Request, method string, h http.HandlerFunc) {
	if r.Method != method && !(method == http.MethodGet && r.Method == http.MethodHead) {
		w.Header().Set("Allow", method+", POST")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, method))
		return
	}
	h(w, r)
}

// handleEventsList serves GET /ui/api/events?since=N: a JSON array of
// record summaries, written one at a time.
func (p *ReceiverPage) handleEventsList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "since" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q (known: since)", k))
			return
		}
	}
	var since int64
	if s := q.Get("since"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("since: want a seq number of at least 0, got %q", s))
			return
		}
		since = n
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	bw := bufio.NewWriterSize(w, 64<<10)
	sep := byte('[')
	for raw := range p.src.Since(since) {
		sum, err := summarise(raw)
		if err != nil {
			continue // cannot happen: records are JSON objects
		}
		if bw.WriteByte(sep) != nil {
			return // the browser is gone
		}
		sep = ','
		if _, err := bw.Write(sum); err != nil {
			return
		}
	}
	if sep == '[' {
		_ = bw.WriteByte('[')
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush() // the browser may be gone; nothing left to tell it
}

// handleEventGet serves GET /ui/api/events/{seq}?max_body=N.
func (p *ReceiverPage) handleEventGet(w http.ResponseWriter, r *http.Request) {
	s := strings.TrimPrefix(r.URL.Path, ReceiverPagePath+"/api/events/")
	seq, err := strconv.ParseInt(s, 10, 64)
	if err != nil || seq < 1 {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("want a seq number of at least 1 after /ui/api/events/, got %q", s))
		return
	}
	q := r.URL.Query()
	for k := range q {
		if k != "max_body" {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("unknown query parameter %q (known: max_body)", k))
			return
		}
	}
	maxBody := -1
	if v := q.Get("max_body"); v != "" {
		maxBody, err = strconv.Atoi(v)
		if err != nil || maxBody < 0 {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("max_body: want a byte count of at least 0, got %q", v))
			return
		}
	}
	raw, ok := p.src.Get(seq)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("record %d is not kept (cleared, or dropped by the record limit)", seq))
		return
	}
	out, err := detail(raw, maxBody)
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("record %d: %v", seq, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(out) // the browser may be gone; nothing left to tell it
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"encode answer"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n')) // the browser may be gone; nothing left to tell it
}

// writeError writes the receiver's error shape, {"detail": "..."}.
func writeError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, map[string]string{"detail": detail})
}
