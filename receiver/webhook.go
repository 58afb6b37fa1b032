package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labelhook/labelhook/internal/signing"
	"github.com/labelhook/labelhook/schemas"
)

// webhookAnswer is the receiver's body in answer to a webhook. Label Studio
// ignores it; it is there for people sending webhooks with curl.
type webhookAnswer struct {
	Seq           int64             `json:"seq"`
	Valid         bool              `json:"valid"`
	Detail        string            `json:"detail,omitempty"`
	Problems      []schemas.Problem `json:"problems,omitempty"`
	ForwardStatus int               `json:"forward_status,omitempty"`
	ForwardError  string            `json:"forward_error,omitempty"`
}

// handleWebhook serves POST on any path: one webhook delivery. It reads and
// validates the body, records it (seq, plan step), relays it to the
// pipeline, waits out a planned delay, writes the record line and answers.
func (rc *Receiver) handleWebhook(w http.ResponseWriter, r *http.Request) {
	if !rc.enter() {
		writeError(w, http.StatusServiceUnavailable, "receiver closed: webhook not recorded")
		return
	}
	defer rc.inflight.Done()

	rec := Record{
		Method:  r.Method,
		Path:    r.URL.Path,
		Query:   r.URL.RawQuery,
		Headers: r.Header.Clone(),
		Body:    json.RawMessage("null"),
	}
	body, status, detail := rc.readBody(w, r, &rec)
	accepted := status == http.StatusOK
	step := rc.add(&rec, accepted, status)

	logArgs := []any{"seq", rec.Seq, "action", rec.Action, "path", rec.Path, "valid", rec.Valid}
	if accepted {
		rc.log.Debug("webhook received", append(logArgs, "status", rec.ResponseStatus)...)
	} else {
		rc.log.Warn("webhook rejected", append(logArgs, "status", status, "detail", detail)...)
	}

	if accepted && rc.cfg.ForwardTo != "" {
		fs, err := rc.forward(r.Method, r.Header, body)
		if err != nil {
			rec.ForwardError = err.Error()
			rc.log.Warn("forward failed", "seq", rec.Seq, "url", rc.cfg.ForwardTo, "err", err)
		} else {
			rec.ForwardStatus = fs
			rc.log.Debug("forwarded", "seq", rec.Seq, "url", rc.cfg.ForwardTo, "status", fs)
		}
	}

	if step.Delay > 0 {
		t := time.NewTimer(step.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-rc.stop:
		}
		t.Stop()
	}
	rec.Abandoned = r.Context().Err() != nil
	if rec.Abandoned {
		rc.log.Debug("sender gave up before the answer", "seq", rec.Seq, "status", rec.ResponseStatus)
	}
	if rec.Abandoned || rec.ForwardStatus != 0 || rec.ForwardError != "" {
		rc.update(rec)
	}
	rc.writeRecord(rec)
	if rec.Abandoned {
		return
	}

	answer := webhookAnswer{
		Seq:           rec.Seq,
		Valid:         rec.Valid,
		Detail:        detail,
		ForwardStatus: rec.ForwardStatus,
		ForwardError:  rec.ForwardError,
	}
	if !rec.Valid {
		answer.Problems = rec.Errors
	}
	writeJSON(w, rec.ResponseStatus, answer)
}

// readBody reads and validates the body into rec and decides the
// receiver's own answer: 200, 400 (unreadable, not JSON, or invalid with
// RejectInvalid) or 413. detail explains any status but 200.
func (rc *Receiver) readBody(w http.ResponseWriter, r *http.Request, rec *Record) (body []byte, status int, detail string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, rc.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			status, detail = http.StatusRequestEntityTooLarge, fmt.Sprintf("body exceeds the limit of %d bytes", tooBig.Limit)
		} else {
			status, detail = http.StatusBadRequest, fmt.Sprintf("read body: %v", err)
		}
		rec.Errors = []schemas.Problem{{Path: "$", Message: detail}}
		return nil, status, detail
	}

	rec.Action, rec.Errors = schemas.Validate(body)
	if rc.signer != nil {
		h := r.Header
		if err := rc.signer.VerifyAt(h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature"), body, rc.now(), signing.DefaultTolerance); err != nil {
			rec.Errors = append(rec.Errors, schemas.Problem{Path: "headers", Message: "signature: " + err.Error()})
		}
	}
	rec.Valid = len(rec.Errors) == 0
	if rec.Errors == nil {
		rec.Errors = []schemas.Problem{}
	}
	var compact bytes.Buffer
	err = json.Compact(&compact, body)
	if err == nil && !utf8.Valid(body) {
		// Compact passes bad bytes through; records must stay UTF-8 JSON.
		err = errors.New("the body is not valid UTF-8")
	}
	if err != nil {
		rec.Valid = false
		if len(rec.Errors) == 0 { // schemas should have said so; never record non-JSON as valid
			rec.Errors = []schemas.Problem{{Path: "$", Message: fmt.Sprintf("body is not JSON: %v", err)}}
		}
		rec.Body = jsonString(body)
		return body, http.StatusBadRequest, "body is not JSON"
	}
	rec.Body = compact.Bytes()
	if !rec.Valid && rc.cfg.RejectInvalid {
		detail := "body does not match the webhook schema"
		if rec.Action != "" {
			detail += " of " + string(rec.Action)
		}
		return body, http.StatusBadRequest, detail
	}
	return body, http.StatusOK, ""
}

// add gives rec its seq and arrival time and stores it. An accepted
// webhook uses up one answer of the response plan; a rejected one keeps
// the receiver's status.
func (rc *Receiver) add(rec *Record, accepted bool, status int) Step {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.seq++
	rec.Seq = rc.seq
	rec.ReceivedAt = rc.now().UTC()
	step := Step{Status: status}
	if accepted {
		step = rc.nextStepLocked()
	}
	rec.ResponseStatus = step.Status
	rc.records = append(rc.records, *rec)
	rc.notifyLocked()
	return step
}

// hopByHop are the headers that describe one connection, not the message,
// so they are not relayed (RFC 9110 §7.6.1).
var hopByHop = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization",
	"Proxy-Connection", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

// forward relays one webhook to Config.ForwardTo, exactly that URL, with
// the sender's method, headers (less hop-by-hop ones) and body, and
// returns the pipeline's status. The relay is bound to the receiver's
// lifetime, not the sender's request: the pipeline gets the webhook even
// when the sender gives up.
func (rc *Receiver) forward(method string, h http.Header, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(rc.fwdCtx, method, rc.cfg.ForwardTo, bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("forward to %s: %w", rc.cfg.ForwardTo, err)
	}
	req.Header = h.Clone()
	for _, c := range h.Values("Connection") {
		for _, name := range strings.Split(c, ",") {
			req.Header.Del(strings.TrimSpace(name))
		}
	}
	for _, name := range hopByHop {
		req.Header.Del(name)
	}
	req.Header.Del("Content-Length") // set from the body by the client
	resp, err := rc.client.Do(req)
	if err != nil {
		if errors.Is(err, context.Canceled) && rc.fwdCtx.Err() != nil {
			return 0, fmt.Errorf("forward to %s: cancelled by receiver shutdown", rc.cfg.ForwardTo)
		}
		return 0, fmt.Errorf("forward: %w", err) // the client's error names method and URL
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the content is ignored,
	// as Label Studio ignores it.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// writeRecord appends rec to the record file as one JSON line.
func (rc *Receiver) writeRecord(rec Record) {
	if rc.cfg.RecordFile == nil {
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		rc.log.Error("encode record", "seq", rec.Seq, "err", err)
		return
	}
	rc.fileMu.Lock()
	defer rc.fileMu.Unlock()
	_, err := rc.cfg.RecordFile.Write(buf.Bytes())
	if f, ok := rc.cfg.RecordFile.(interface{ Flush() error }); ok && err == nil {
		err = f.Flush()
	}
	if err != nil {
		rc.log.Error("write record file", "seq", rec.Seq, "err", err)
	}
}

// jsonString encodes text as a JSON string, HTML unescaped.
func jsonString(text []byte) json.RawMessage {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(string(text)) // a string always encodes
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
