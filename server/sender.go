package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labelhook/labelhook/internal/pyhttp"
)

// sender puts one delivery on the wire and reports the final answer's
// status and headers (after redirects).
type sender interface {
	post(ctx context.Context, url string, headers []pyhttp.Header, body []byte) (int, http.Header, error)
	closeIdle()
}

// pySender sends as python-requests does (internal/pyhttp): the default.
type pySender struct{ c *pyhttp.Client }

func (p pySender) post(ctx context.Context, url string, headers []pyhttp.Header, body []byte) (int, http.Header, error) {
	resp, err := p.c.Post(ctx, pyhttp.Request{URL: url, Headers: headers, Body: body, ContentType: "application/json"})
	if err != nil {
		return 0, nil, err
	}
	return resp.Status, resp.Header, nil
}

func (p pySender) closeIdle() { p.c.CloseIdle() }

// clientSender sends through a caller's *http.Client (Config.HTTPClient):
// Go's header order and redirect rules, a deadline on the whole exchange.
type clientSender struct {
	c         *http.Client
	userAgent string
	timeout   time.Duration
}

func (h clientSender) post(ctx context.Context, url string, headers []pyhttp.Header, body []byte) (int, http.Header, error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", h.userAgent)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Content-Type", "application/json")
	for _, hd := range headers {
		if strings.EqualFold(hd.Name, "Host") {
			req.Host = hd.Value
			continue
		}
		req.Header.Del(hd.Name)
		req.Header[http.CanonicalHeaderKey(hd.Name)] = []string{hd.Value}
	}
	resp, err := h.c.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
			return 0, nil, &pyhttp.TimeoutError{Op: "read", Timeout: h.timeout}
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, resp.Header, nil
}

func (h clientSender) closeIdle() { h.c.CloseIdleConnections() }
