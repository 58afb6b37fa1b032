package receiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/jsontext"
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
	buf := bodyBuffers.Get().(*bytes.Buffer)
	defer func() {
		if buf != nil && buf.Cap() <= maxPooledBody {
			buf.Reset()
			bodyBuffers.Put(buf)
		}
	}()
	body, status, detail := rc.readBody(w, r, &rec, buf)
	accepted := status == http.StatusOK
	step, firstDrop := rc.add(&rec, accepted, status)
	if firstDrop {
		rc.log.Warn("record limit reached: the oldest records are dropped from now on (counted in GET /events, header "+DroppedHeader+")",
			"max_records", rc.records.max)
	}

	switch {
	case !accepted:
		rc.log.Warn("webhook rejected", "seq", rec.Seq, "action", rec.Action, "path", rec.Path, "valid", rec.Valid, "status", status, "detail", detail)
	case rc.log.Enabled(r.Context(), slog.LevelDebug): // spares the arguments' allocations per webhook
		rc.log.Debug("webhook received", "seq", rec.Seq, "action", rec.Action, "path", rec.Path, "valid", rec.Valid, "status", rec.ResponseStatus)
	}

	if accepted && rc.cfg.ForwardTo != "" {
		began := time.Now()
		fs, err := rc.forward(r.Method, r.Header, body)
		buf = nil // the transport may still read the body after the answer: not reused
		rec.ForwardMS = float64(time.Since(began).Microseconds()) / 1000
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
	if rc.cfg.OnRecord != nil {
		rc.cfg.OnRecord(rec)
	}
	rc.ui.Publish(rec.Seq, rec.MarshalJSON)
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

// bodyBuffers hold webhook bodies while they are read, checked and
// relayed. Nothing the receiver keeps points into them (the record holds
// the compacted copy, and decoded strings are copies), so a buffer is
// reused once its webhook is answered, unless it grew past maxPooledBody.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

const maxPooledBody = 1 << 20

// readBody reads the body into buf, validates it into rec and decides the
// receiver's own answer: 200, 400 (unreadable, not JSON, or invalid with
// RejectInvalid), 401 (signature missing or wrong, with SigningSecret) or
// 413. detail explains any status but 200. body is buf's content.
func (rc *Receiver) readBody(w http.ResponseWriter, r *http.Request, rec *Record, buf *bytes.Buffer) (body []byte, status int, detail string) {
	if n := r.ContentLength; n > 0 && n <= rc.maxBody {
		buf.Grow(int(n) + bytes.MinRead) // ReadFrom wants room to see the end
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, rc.maxBody))
	body = buf.Bytes()
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

	// The signature speaks for the sender, the schema for the body: a
	// webhook that fails the first is refused whatever the second says,
	// and its body is still checked, so the record tells both.
	sigErr := rc.verify(r.Header, body)
	var compact json.RawMessage
	rec.Action, rec.Errors, compact = schemas.ValidateCompact(body)
	if sigErr != "" {
		rec.Errors = append([]schemas.Problem{{Path: "headers", Message: sigErr}}, rec.Errors...)
	}
	rec.Valid = len(rec.Errors) == 0
	if rec.Errors == nil {
		rec.Errors = []schemas.Problem{}
	}
	if compact == nil { // not JSON, or JSON the validator's own parser left to encoding/json
		compact, err = compactJSON(body)
	}
	if err != nil {
		rec.Valid = false
		if len(rec.Errors) == 0 { // schemas should have said so; never record non-JSON as valid
			rec.Errors = []schemas.Problem{{Path: "$", Message: fmt.Sprintf("body is not JSON: %v", err)}}
		}
		rec.Body = jsonString(body)
	} else {
		rec.Body = compact
	}
	switch {
	case sigErr != "":
		return body, http.StatusUnauthorized, sigErr
	case err != nil:
		return body, http.StatusBadRequest, "body is not JSON"
	case !rec.Valid && rc.cfg.RejectInvalid:
		detail := "body does not match the webhook schema"
		if rec.Action != "" {
			detail += " of " + string(rec.Action)
		}
		return body, http.StatusBadRequest, detail
	}
	return body, http.StatusOK, ""
}

// verify checks the Standard Webhooks signature when the receiver has a
// signing secret, and returns why it fails ("" when it holds or there is
// no secret), starting with "signature: ".
func (rc *Receiver) verify(h http.Header, body []byte) string {
	if rc.signer == nil {
		return ""
	}
	id, ts, sig := h.Get("Webhook-Id"), h.Get("Webhook-Timestamp"), h.Get("Webhook-Signature")
	var missing []string
	for _, m := range []struct{ name, value string }{{"webhook-id", id}, {"webhook-timestamp", ts}, {"webhook-signature", sig}} {
		if m.value == "" {
			missing = append(missing, m.name)
		}
	}
	if len(missing) > 0 {
		header := "header"
		if len(missing) > 1 {
			header = "headers"
		}
		return fmt.Sprintf("signature: missing %s %s", strings.Join(missing, ", "), header)
	}
	if err := rc.signer.VerifyAt(id, ts, sig, body, rc.now(), signing.DefaultTolerance); err != nil {
		return "signature: " + err.Error()
	}
	return ""
}

// add gives rec its seq and arrival time and stores it. An accepted
// webhook uses up one answer of the response plan; a rejected one keeps
// the receiver's status. firstDrop reports the first time the record cap
// made room by dropping the oldest record.
func (rc *Receiver) add(rec *Record, accepted bool, status int) (step Step, firstDrop bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.seq++
	rec.Seq = rc.seq
	rec.ReceivedAt = rc.now().UTC()
	step = Step{Status: status}
	if accepted {
		step = rc.nextStepLocked()
	}
	rec.ResponseStatus = step.Status
	if rc.records.push(*rec) {
		rc.dropped++
		firstDrop = !rc.dropLogged
		rc.dropLogged = true
	}
	rc.notifyLocked()
	return step, firstDrop
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
	ctx, cancel := context.WithTimeout(rc.fwdCtx, rc.fwdTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, rc.cfg.ForwardTo, bytes.NewReader(body))
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
		switch {
		case rc.fwdCtx.Err() != nil:
			return 0, fmt.Errorf("forward to %s: cancelled by receiver shutdown", rc.cfg.ForwardTo)
		case errors.Is(ctx.Err(), context.DeadlineExceeded):
			return 0, fmt.Errorf("forward to %s: timed out: no answer within %s", rc.cfg.ForwardTo, rc.fwdTimeout)
		}
		return 0, fmt.Errorf("forward: %w", err) // the client's error names method and URL
	}
	defer resp.Body.Close()
	// Drain a little so the connection can be reused; the content is ignored,
	// as Label Studio ignores it. The timeout bounds this too.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return resp.StatusCode, nil
}

// writeRecord appends rec to the record file as one JSON line.
func (rc *Receiver) writeRecord(rec Record) {
	if rc.cfg.RecordFile == nil {
		return
	}
	line, err := rec.MarshalJSON()
	if err != nil {
		rc.log.Error("encode record", "seq", rec.Seq, "err", err)
		return
	}
	line = append(line, '\n')
	rc.fileMu.Lock()
	defer rc.fileMu.Unlock()
	_, err = rc.cfg.RecordFile.Write(line)
	if f, ok := rc.cfg.RecordFile.(interface{ Flush() error }); ok && err == nil {
		err = f.Flush()
	}
	if err != nil {
		rc.log.Error("write record file", "seq", rec.Seq, "err", err)
	}
}

// jsonString encodes text as a JSON string, HTML unescaped.
func jsonString(text []byte) json.RawMessage {
	b, _ := jsontext.Marshal(string(text)) // a string always encodes
	return b
}
