package trigger

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/emission"
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

// recorder is the mock's webhook transport: it times every exchange with
// the target and answers requests to captureHost itself.
type recorder struct {
	base    http.RoundTripper
	capture emission.Capture

	mu   sync.Mutex
	hops []hop
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host == captureHost {
		return r.capture.RoundTrip(req)
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
func (r *recorder) take() ([]hop, []emission.Delivery) {
	r.mu.Lock()
	h := r.hops
	r.hops = nil
	r.mu.Unlock()
	return h, r.capture.Take()
}
