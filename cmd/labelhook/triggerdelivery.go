package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// deliveryResult is how the target answered one delivery.
type deliveryResult struct {
	action   schemas.Action
	status   int
	err      error
	duration time.Duration
}

func (d deliveryResult) ok() bool { return d.err == nil && d.status >= 200 && d.status < 300 }

// String is the printed line: action, status (or "error"), duration and
// the error, if any.
func (d deliveryResult) String() string {
	status := fmt.Sprint(d.status)
	if d.err != nil {
		status = "error"
	}
	line := fmt.Sprintf("%-20s %-5s %s", d.action, status, d.duration.Round(10*time.Microsecond))
	if d.err != nil {
		line += "  " + d.err.Error()
	}
	return line
}

// hop is one HTTP exchange of a delivery (a redirect makes several).
type hop struct {
	status     int
	err        error
	start, end time.Time
}

// recorder is the mock's webhook transport: it times every exchange with
// the target and answers requests to captureHost itself.
type recorder struct {
	base http.RoundTripper

	mu       sync.Mutex
	hops     []hop
	captured [][]byte
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == captureHost {
		var body []byte
		if req.Body != nil {
			body, _ = io.ReadAll(req.Body)
			req.Body.Close()
		}
		r.mu.Lock()
		r.captured = append(r.captured, body)
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
func (r *recorder) take() ([]hop, [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, c := r.hops, r.captured
	r.hops, r.captured = nil, nil
	return h, c
}
