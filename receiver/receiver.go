package receiver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/inspector"
	"github.com/labelhook/labelhook/internal/signing"
)

// DefaultMaxBodyBytes is the body limit of the zero Config: 64 MiB.
const DefaultMaxBodyBytes int64 = 64 << 20

// DefaultForwardTimeout bounds one relay to the pipeline (connect, send,
// answer) when Config.ForwardTimeout is zero. It is below Label Studio
// 1.23.2's default WEBHOOK_TIMEOUT of 1 s (which python-requests applies
// to the wait for the answer): the sender's answer waits for the relay,
// so a hanging pipeline must be given up on while the sender still
// listens, leaving the rest for reading and checking the body and the
// network. Raise it with the sender's WEBHOOK_TIMEOUT.
const DefaultForwardTimeout = 800 * time.Millisecond

// DefaultMaxRecords is how many records the zero Config keeps in memory.
const DefaultMaxRecords = 100_000

// Config configures a Receiver. The zero Config works: the newest 100 000
// records are kept in memory only, nothing is forwarded, invalid bodies are
// accepted, bodies up to 64 MiB are read and nothing is logged.
type Config struct {
	// RecordFile, if set, receives every record as one JSON line, written
	// with a single Write (and Flush, if it has one) once the record is final.
	RecordFile io.Writer
	// ForwardTo, if set, is the URL every accepted webhook is relayed to.
	ForwardTo string
	// ForwardTimeout bounds one relay to ForwardTo, from connecting to
	// reading the answer; past it the relay is recorded as failed and the
	// sender gets its answer. Zero or less means DefaultForwardTimeout.
	ForwardTimeout time.Duration
	// RejectInvalid answers 400 with the problems to bodies that are JSON
	// but do not match the schema of their action; without it they get 200.
	RejectInvalid bool
	// MaxBodyBytes is the largest body read; zero or less means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// MaxRecords is how many records are kept in memory: past it the
	// oldest are dropped (and counted, see Dropped). Zero or less means
	// DefaultMaxRecords. The record file keeps every record.
	MaxRecords int
	// Logger receives lifecycle (Info), per-webhook (Debug), rejected input
	// (Warn) and record file failures (Error). Nil discards.
	Logger *slog.Logger
	// Now stamps received_at. Nil means time.Now.
	Now func() time.Time
	// HTTPClient relays to ForwardTo. Nil means a plain client with Go's
	// default redirect policy; ForwardTimeout applies to any client.
	HTTPClient *http.Client
	// SigningSecret, if set ("whsec_<base64>"), makes the receiver verify
	// Standard Webhooks signatures (webhook-id, webhook-timestamp,
	// webhook-signature), as `labelhook serve --signing-secret` sends them.
	// A webhook whose signature is missing or does not verify is recorded
	// invalid, answered 401 with the reason and never relayed, whatever
	// RejectInvalid says. Label Studio itself never signs. New panics on a
	// malformed secret; check it first with CheckSigningSecret.
	SigningSecret string
	// OnRecord, if set, is called once per webhook with its final record,
	// when the record line is written and before the sender is answered
	// (`labelhook receive` prints a line with it). It is called from many
	// goroutines at once and should return quickly.
	OnRecord func(Record)
}

// CheckSigningSecret reports whether secret is a usable signing secret.
func CheckSigningSecret(secret string) error {
	_, err := signing.New(secret)
	return err
}

// Receiver records webhooks and serves the control API. Create it with New.
type Receiver struct {
	cfg        Config
	log        *slog.Logger
	now        func() time.Time
	client     *http.Client
	maxBody    int64
	fwdTimeout time.Duration
	signer     *signing.Signer
	routes     map[string]map[string]http.HandlerFunc
	ui         *inspector.ReceiverPage // the live page under /ui/

	mu         sync.Mutex
	seq        int64         // last seq given out
	records    recordLog     // the newest records, in seq order
	dropped    int64         // records the cap has dropped since New
	dropLogged bool          // the first drop was logged
	changed    chan struct{} // closed and replaced whenever records change
	plan       []Step        // the coming answers; empty means 200
	closed     bool

	inflight sync.WaitGroup // webhook handlers between arrival and answer
	stop     chan struct{}  // closed when shutdown starts: ends delays and waits
	// fwdCtx bounds relays to the pipeline; cancelled when shutdown stops
	// waiting for them.
	fwdCtx    context.Context
	fwdCancel context.CancelFunc

	fileMu sync.Mutex // one record line at a time
}

// New returns a Receiver ready to serve.
func New(cfg Config) *Receiver {
	rc := &Receiver{
		cfg:        cfg,
		log:        cfg.Logger,
		now:        cfg.Now,
		client:     cfg.HTTPClient,
		maxBody:    cfg.MaxBodyBytes,
		fwdTimeout: cfg.ForwardTimeout,
		records:    recordLog{max: cfg.MaxRecords},
		changed:    make(chan struct{}),
		stop:       make(chan struct{}),
	}
	if rc.log == nil {
		rc.log = slog.New(slog.DiscardHandler)
	}
	if rc.now == nil {
		rc.now = time.Now
	}
	if rc.client == nil {
		rc.client = &http.Client{}
	}
	if rc.fwdTimeout <= 0 {
		rc.fwdTimeout = DefaultForwardTimeout
	}
	if rc.maxBody <= 0 {
		rc.maxBody = DefaultMaxBodyBytes
	}
	if rc.records.max <= 0 {
		rc.records.max = DefaultMaxRecords
	}
	if cfg.SigningSecret != "" {
		signer, err := signing.New(cfg.SigningSecret)
		if err != nil {
			panic(fmt.Sprintf("receiver.New: %v", err))
		}
		rc.signer = signer
	}
	rc.fwdCtx, rc.fwdCancel = context.WithCancel(context.Background())
	rc.ui = rc.newInspector()
	rc.routes = map[string]map[string]http.HandlerFunc{
		"/events":      {http.MethodGet: rc.handleEventsList, http.MethodDelete: rc.handleEventsDelete},
		"/events/wait": {http.MethodGet: rc.handleEventsWait},
		"/health":      {http.MethodGet: rc.handleHealth},
		"/responses":   {http.MethodGet: rc.handleResponsesGet, http.MethodPut: rc.handleResponsesPut, http.MethodDelete: rc.handleResponsesDelete},
	}
	return rc
}

// ServeHTTP treats every POST as a webhook and routes the other methods to
// the control API, which never accepts POST.
func (rc *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost {
		rc.handleWebhook(w, r)
		return
	}
	if p := r.URL.Path; p == inspector.ReceiverPagePath || strings.HasPrefix(p, inspector.ReceiverPagePath+"/") {
		rc.ui.ServeHTTP(w, r)
		return
	}
	methods, ok := rc.routes[r.URL.Path]
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no route %s %s (webhooks are POSTs to any path)", r.Method, r.URL.Path))
		return
	}
	h, ok := methods[r.Method]
	if !ok {
		allow := make([]string, 0, len(methods)+1)
		for m := range methods {
			allow = append(allow, m)
		}
		allow = append(allow, http.MethodPost)
		slices.Sort(allow)
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
		return
	}
	h(w, r)
}

// handleHealth serves GET /health.
func (rc *Receiver) handleHealth(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "UP"})
}

// Shutdown stops the receiver: new webhooks get 503 and are not recorded,
// planned delays and waits end at once, and webhooks still being relayed
// to the pipeline may finish until ctx is done, after which their relays
// are cancelled (and recorded as such). Shutdown returns once every
// webhook handler has written its record. The control API keeps answering.
func (rc *Receiver) Shutdown(ctx context.Context) error {
	rc.mu.Lock()
	if !rc.closed {
		rc.closed = true
		close(rc.stop)
	}
	rc.mu.Unlock()

	done := make(chan struct{})
	go func() {
		rc.inflight.Wait()
		close(done)
	}()
	defer rc.fwdCancel()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		rc.fwdCancel()
		<-done
		return fmt.Errorf("shut down receiver: relays still in flight: %w", ctx.Err())
	}
}

// Close is Shutdown without a grace period: relays in flight are cancelled.
func (rc *Receiver) Close() {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_ = rc.Shutdown(ctx) // the only possible error is the cancellation asked for
}

// enter registers a webhook handler unless the receiver is closed.
func (rc *Receiver) enter() bool {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.closed {
		return false
	}
	rc.inflight.Add(1)
	return true
}

// writeJSON writes v as the JSON body of a response with the given status.
// HTML is not escaped, so a label_config stays readable.
func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if status == http.StatusNoContent || status == http.StatusNotModified {
		return
	}
	_, _ = w.Write(buf.Bytes()) // the client may be gone; nothing left to tell it
}

// writeRecords writes recs as a JSON array, one record at a time, so a
// list of big bodies is never built whole in memory. The answer carries
// DroppedHeader. It is byte for byte what writeJSON would write.
func (rc *Receiver) writeRecords(w http.ResponseWriter, status int, recs []Record) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(DroppedHeader, strconv.FormatInt(rc.Dropped(), 10))
	w.WriteHeader(status)
	bw := bufio.NewWriterSize(w, 64<<10)
	sep := byte('[')
	for i := range recs {
		line, err := recs[i].MarshalJSON()
		if err != nil {
			// Cannot happen: bodies are compacted JSON. The status is sent;
			// end the answer so the client sees broken JSON, not a short list.
			rc.log.Error("encode record", "seq", recs[i].Seq, "err", err)
			return
		}
		recs[i] = Record{} // let a body go as soon as it is written
		if bw.WriteByte(sep) != nil {
			return // the client is gone
		}
		sep = ','
		if _, err := bw.Write(line); err != nil {
			return
		}
	}
	if sep == '[' {
		_ = bw.WriteByte('[')
	}
	_, _ = bw.WriteString("]\n")
	_ = bw.Flush() // the client may be gone; nothing left to tell it
}

// deleteAnswer is the answer to DELETE /events.
type deleteAnswer struct {
	Deleted int   `json:"deleted"`
	Dropped int64 `json:"dropped"`
}

// writeError writes the receiver's one error shape: {"detail": "..."}.
func writeError(w http.ResponseWriter, status int, detail string) {
	writeJSON(w, status, errorBody{Detail: detail})
}

type errorBody struct {
	Detail string `json:"detail"`
}
