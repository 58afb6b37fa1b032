package trigger

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// Result is how the target answered one delivery.
type Result struct {
	Action   schemas.Action
	Status   int   // the last answer's status (after redirects); 0 with Err
	Err      error // the delivery failed before an answer
	Duration time.Duration
}

// OK reports a 2xx answer.
func (r Result) OK() bool { return r.Err == nil && r.Status >= 200 && r.Status < 300 }

// String is the line `labelhook trigger` prints: action, status (or
// "error"), duration and the error, if any.
func (r Result) String() string {
	status := fmt.Sprint(r.Status)
	if r.Err != nil {
		status = "error"
	}
	line := fmt.Sprintf("%-20s %-5s %s", r.Action, status, r.Duration.Round(10*time.Microsecond))
	if r.Err != nil {
		line += "  " + r.Err.Error()
	}
	return line
}

// hop is one HTTP exchange of a delivery (a redirect makes several).
type hop struct {
	status     int
	err        error
	start, end time.Time
}

// capturedRequest is a delivery to captureHost: its headers and body.
type capturedRequest struct {
	header http.Header
	body   []byte
}

// recorder is the mock's webhook transport: it times every exchange with
// the target and answers requests to captureHost itself.
type recorder struct {
	base http.RoundTripper

	mu       sync.Mutex
	hops     []hop
	captured []capturedRequest
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == captureHost {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body.Close()
		}
		r.mu.Lock()
		r.captured = append(r.captured, capturedRequest{header: req.Header.Clone(), body: body})
		r.mu.Unlock()
		return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
	}
	start := time.Now()
	resp, err := r.base.RoundTrip(req)
	h := hop{err: err, start: start, end: time.Now()}
	if resp != nil {
		h.status = resp.StatusCode
	}
	r.mu.Lock()
	r.hops = append(r.hops, h)
	r.mu.Unlock()
	return resp, err
}

// take returns and forgets what was recorded.
func (r *recorder) take() ([]hop, []capturedRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, c := r.hops, r.captured
	r.hops, r.captured = nil, nil
	return h, c
}
