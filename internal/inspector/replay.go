package inspector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/httpurl"
)

// ReplayTimeout bounds one replay, from connecting to reading the answer.
// It is not Label Studio's: 1.23.2 and 1.20.0 give up on a delivery after
// 1 s per read (WEBHOOK_TIMEOUT; 10 s only on the development line), but a
// replay is for seeing a slow pipeline's answer and how long it took.
const ReplayTimeout = 10 * time.Second

// replayAnswerBytes is how much of the target's answer a replay shows.
const replayAnswerBytes = 64 << 10

// replayRequest is the body of PUT /ui/api/replay.
type replayRequest struct {
	Seq int64  `json:"seq"`
	URL string `json:"url"`
}

// replayAnswer tells what the target answered (Status) or why it did not
// (Error).
type replayAnswer struct {
	URL           string      `json:"url"`
	Status        int         `json:"status,omitempty"`
	Error         string      `json:"error,omitempty"`
	DurationMS    float64     `json:"duration_ms"`
	Headers       http.Header `json:"headers,omitempty"`
	Body          string      `json:"body"`
	BodyTruncated bool        `json:"body_truncated,omitempty"`
}

// replayed is what a replay needs of a record.
type replayed struct {
	Method  string          `json:"method"`
	Headers http.Header     `json:"headers"`
	Body    json.RawMessage `json:"body"`
	Errors  []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"errors"`
}

// notCopied are headers that describe the receiving connection, not the
// webhook: Go's client sets its own.
var notCopied = []string{
	"Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection",
	"Te", "Trailer", "Transfer-Encoding", "Upgrade", "Content-Length", "Host", "Accept-Encoding",
}

// handleReplay serves PUT /ui/api/replay: it sends the record's method,
// headers and body to the URL and answers 200 with what the URL answered,
// or with the error that kept it from answering. It is a PUT with a JSON
// body so that no other site can make a visitor's browser send it (a
// cross-origin PUT needs a CORS preflight the receiver never grants).
func (p *ReceiverPage) handleReplay(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		writeError(w, http.StatusUnsupportedMediaType, "replay: send Content-Type: application/json")
		return
	}
	var req replayRequest
	dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Sprintf(`replay: want {"seq": N, "url": "http://..."}: %v`, err))
		return
	}
	if msg := checkReplayURL(req.URL); msg != "" {
		writeError(w, http.StatusBadRequest, "replay: url: "+msg)
		return
	}
	raw, ok := p.src.Get(req.Seq)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("replay: record %d is not kept (cleared, or dropped by the record limit)", req.Seq))
		return
	}
	var rec replayed
	if err := json.Unmarshal(raw, &rec); err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("replay: record %d: %v", req.Seq, err))
		return
	}
	body, msg := replayBody(rec)
	if msg != "" {
		writeError(w, http.StatusConflict, fmt.Sprintf("replay: record %d: %s", req.Seq, msg))
		return
	}
	writeJSON(w, http.StatusOK, p.replay(r.Context(), rec, body, req.URL))
}

// checkReplayURL returns why raw is no URL to replay to, or "".
func checkReplayURL(raw string) string {
	if raw == "" {
		return "missing"
	}
	if err := httpurl.Check(raw); err != nil {
		return err.Error()
	}
	return ""
}

// replayBody returns the bytes the record was sent with: its JSON body,
// or the text of a body that was not JSON (recorded as a JSON string).
func replayBody(rec replayed) ([]byte, string) {
	b := bytes.TrimSpace(rec.Body)
	if len(b) == 0 || string(b) == "null" {
		return nil, "the body was not recorded (over the size limit or unreadable): nothing to replay"
	}
	notJSON := len(rec.Errors) > 0 && rec.Errors[0].Path == "$" && strings.HasPrefix(rec.Errors[0].Message, "not JSON")
	if notJSON && b[0] == '"' {
		var text string
		if json.Unmarshal(b, &text) == nil {
			return []byte(text), ""
		}
	}
	return b, ""
}

// replay sends one record to target.
func (p *ReceiverPage) replay(ctx context.Context, rec replayed, body []byte, target string) replayAnswer {
	ans := replayAnswer{URL: target}
	// The replay belongs to the click, not the page: a browser that leaves
	// does not cut it short, ReplayTimeout does.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ReplayTimeout)
	defer cancel()
	method := rec.Method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		ans.Error = err.Error()
		return ans
	}
	req.Header = rec.Headers.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	for _, name := range notCopied {
		req.Header.Del(name)
	}
	began := time.Now()
	resp, err := p.client.Do(req)
	if err != nil {
		ans.DurationMS = ms(time.Since(began))
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			ans.Error = fmt.Sprintf("timed out: no answer within %s", ReplayTimeout)
		} else {
			ans.Error = err.Error()
		}
		return ans
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, replayAnswerBytes+1))
	ans.DurationMS = ms(time.Since(began))
	ans.Status, ans.Headers = resp.StatusCode, resp.Header
	if len(b) > replayAnswerBytes {
		b, ans.BodyTruncated = b[:replayAnswerBytes], true
	}
	ans.Body = strings.ToValidUTF8(string(b), "\uFFFD")
	if err != nil {
		ans.Error = fmt.Sprintf("read answer: %v", err)
	}
	return ans
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
