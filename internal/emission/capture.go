package emission

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/labelhook/labelhook/schemas"
)

// Delivery is one webhook request as the mock made it: the action its
// body names, its headers, Host and body bytes.
type Delivery struct {
	Action schemas.Action
	Header http.Header
	Host   string
	Body   []byte
}

// Capture is an HTTP transport for a mock's webhooks (its
// server.Config.HTTPClient) that keeps every delivery and answers 200
// itself, so nothing reaches the network.
type Capture struct {
	mu  sync.Mutex
	got []Delivery
}

func (c *Capture) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body) // the mock's in-memory body: cannot fail
		req.Body.Close()
	}
	var head struct {
		Action schemas.Action `json:"action"`
	}
	_ = json.Unmarshal(body, &head)
	c.mu.Lock()
	c.got = append(c.got, Delivery{Action: head.Action, Header: req.Header.Clone(), Host: req.Host, Body: body})
	c.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}, nil
}

// Take returns and forgets the deliveries kept so far.
func (c *Capture) Take() []Delivery {
	c.mu.Lock()
	defer c.mu.Unlock()
	got := c.got
	c.got = nil
	return got
}
