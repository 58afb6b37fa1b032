// Package pyhttp sends HTTP requests the way python-requests does, which
// is how Label Studio delivers webhooks (requests.post(url, json=payload,
// headers=webhook.headers, timeout=WEBHOOK_TIMEOUT)). Go's net/http client
// differs from it in what a receiver can see and in when a delivery
// fails, so labelhook writes the request itself:
//
//   - Headers go out in requests' order: Host, User-Agent,
//     Accept-Encoding, Accept, Connection: keep-alive, then the caller's
//     headers in their order (one with the name of a default replaces it
//     in its place), then Content-Length and Content-Type.
//   - The timeout is requests': a connect timeout, then a timeout on each
//     read of the answer, not a deadline on the whole exchange (an answer
//     that trickles in slowly is waited for).
//   - The whole answer body is read; one shorter than its Content-Length
//     or a broken chunked body is an error, as urllib3 raises one.
//   - Redirects are followed as requests follows them: at most 30; a 301
//     to a POST, a 302 or a 303 turns the request into a GET without body
//     (Content-Length and Content-Type dropped); 307 and 308 keep method
//     and body; an Authorization header is dropped when the host changes;
//     no Referer is added.
//
// Connections are kept and reused per host (requests.post opens a new one
// each time; a receiver cannot tell the difference in what it gets).
package pyhttp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxRedirects is requests' Session.max_redirects.
const MaxRedirects = 30

// Header is one request header; a request's headers keep their order.
type Header struct{ Name, Value string }

// Request is one POST.
type Request struct {
	URL     string
	Headers []Header // the caller's own (a webhook's headers)
	Body    []byte
	// ContentType is set after Content-Length unless Headers has one
	// (requests' json= does that); empty means none.
	ContentType string
}

// Response is the final answer, after redirects.
type Response struct {
	Status int
	Header http.Header
	// Hops is the number of redirects followed.
	Hops int
}

// Client sends requests. The zero value is not usable; use New.
type Client struct {
	userAgent string
	timeout   time.Duration
	tls       *tls.Config
	dialer    net.Dialer

	mu   sync.Mutex
	idle map[string][]*conn // by scheme://host:port
}

// MaxIdlePerHost bounds the connections kept per host.
const MaxIdlePerHost = 64

// New returns a client that sends userAgent and waits timeout to connect
// and timeout for each read.
func New(userAgent string, timeout time.Duration) *Client {
	return &Client{userAgent: userAgent, timeout: timeout, idle: map[string][]*conn{}, tls: &tls.Config{MinVersion: tls.VersionTLS12}}
}

// TimeoutError is a connect or read timeout.
type TimeoutError struct {
	Op      string // "connect" or "read"
	Timeout time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("%s timed out (no progress within %s)", e.Op, e.Timeout)
}

// TooManyRedirectsError is requests' TooManyRedirects.
type TooManyRedirectsError struct{ Max int }

func (e *TooManyRedirectsError) Error() string {
	return fmt.Sprintf("exceeded %d redirects", e.Max)
}

// Post sends r and follows redirects. ctx cancels it at any point.
func (c *Client) Post(ctx context.Context, r Request) (*Response, error) {
	method, target := http.MethodPost, r.URL
	headers, body := r.Headers, r.Body
	contentType := r.ContentType
	u, err := url.Parse(target)
	if err != nil {
		return nil, fmt.Errorf("bad url %q: %w", target, err)
	}
	for hops := 0; ; hops++ {
		status, h, err := c.once(ctx, method, u, headers, body, contentType)
		if err != nil {
			return nil, err
		}
		loc := h.Get("Location")
		if !isRedirect(status) || loc == "" {
			return &Response{Status: status, Header: h, Hops: hops}, nil
		}
		if hops >= MaxRedirects {
			return nil, &TooManyRedirectsError{MaxRedirects}
		}
		next, err := u.Parse(loc)
		if err != nil {
			return nil, fmt.Errorf("redirect to %q: %w", loc, err)
		}
		if (status == http.StatusSeeOther && method != http.MethodHead) ||
			(status == http.StatusFound && method != http.MethodHead) ||
			(status == http.StatusMovedPermanently && method == http.MethodPost) {
			method, body, contentType = http.MethodGet, nil, ""
			headers = without(headers, "Content-Length", "Content-Type", "Transfer-Encoding")
		}
		if next.Hostname() != u.Hostname() {
			headers = without(headers, "Authorization")
		}
		u = next
	}
}

// InvalidHeaderError is requests' InvalidHeader: a header that cannot go
// on the wire as given (it would end the header line early, or smuggle
// another header in).
type InvalidHeaderError struct{ Name, Value string }

func (e *InvalidHeaderError) Error() string {
	return fmt.Sprintf("invalid header %q: %q has a line break, a NUL or leading whitespace", e.Name, e.Value)
}

// checkHeader refuses what requests refuses before sending: a name that
// is not a token, a value with CR, LF or NUL or with leading whitespace.
func checkHeader(h Header) error {
	if h.Name == "" || strings.ContainsFunc(h.Name, func(r rune) bool {
		return r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r)
	}) || strings.ContainsAny(h.Value, "\r\n\x00") || strings.HasPrefix(h.Value, " ") || strings.HasPrefix(h.Value, "\t") {
		return &InvalidHeaderError{h.Name, h.Value}
	}
	return nil
}

func isRedirect(status int) bool {
	switch status {
	case 301, 302, 303, 307, 308:
		return true
	}
	return false
}

func without(hs []Header, names ...string) []Header {
	out := make([]Header, 0, len(hs))
	for _, h := range hs {
		drop := false
		for _, n := range names {
			if strings.EqualFold(h.Name, n) {
				drop = true
			}
		}
		if !drop {
			out = append(out, h)
		}
	}
	return out
}

// once makes one request on a kept or new connection; a kept connection
// that turns out closed before any answer byte is retried once on a new
// one, as urllib3 retries a stale pooled connection.
func (c *Client) once(ctx context.Context, method string, u *url.URL, headers []Header, body []byte, contentType string) (int, http.Header, error) {
	for _, h := range headers {
		if err := checkHeader(h); err != nil {
			return 0, nil, err
		}
	}
	req := c.write(method, u, headers, body, contentType)
	key := u.Scheme + "://" + hostPort(u)
	for attempt := 0; ; attempt++ {
		cn, reused, err := c.get(ctx, u, key)
		if err != nil {
			return 0, nil, err
		}
		status, h, keep, err := cn.exchange(ctx, req, method, c.timeout)
		if err != nil {
			cn.Close()
			var fresh *staleError
			if reused && attempt == 0 && errors.As(err, &fresh) {
				continue
			}
			return 0, nil, err
		}
		if keep {
			c.put(key, cn)
		} else {
			cn.Close()
		}
		return status, h, nil
	}
}

// write lays out the request bytes in requests' order, in one buffer
// made at its final size.
func (c *Client) write(method string, u *url.URL, headers []Header, body []byte, contentType string) []byte {
	hs := make([]Header, 4, 6+len(headers))
	hs[0], hs[1], hs[2], hs[3] = Header{"User-Agent", c.userAgent}, Header{"Accept-Encoding", "gzip, deflate"}, Header{"Accept", "*/*"}, Header{"Connection", "keep-alive"}
	host := hostHeader(u)
	for _, h := range headers {
		if strings.EqualFold(h.Name, "Host") {
			host = h.Value
			continue
		}
		if i := indexHeader(hs, h.Name); i >= 0 {
			hs[i] = h
		} else {
			hs = append(hs, h)
		}
	}
	if body != nil && indexHeader(hs, "Content-Length") < 0 {
		hs = append(hs, Header{"Content-Length", strconv.Itoa(len(body))})
	}
	if body != nil && contentType != "" && indexHeader(hs, "Content-Type") < 0 {
		hs = append(hs, Header{"Content-Type", contentType})
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	n := len(method) + len(" ") + len(path) + len("?") + len(u.RawQuery) + len(host) + len(" HTTP/1.1\r\nHost: \r\n\r\n") + len(body)
	for _, h := range hs {
		n += len(h.Name) + len(h.Value) + len(": \r\n")
	}
	b := make([]byte, 0, n)
	b = append(append(append(b, method...), ' '), path...)
	if u.RawQuery != "" {
		b = append(append(b, '?'), u.RawQuery...)
	}
	b = append(append(append(b, " HTTP/1.1\r\nHost: "...), host...), "\r\n"...)
	for _, h := range hs {
		b = append(append(append(append(b, h.Name...), ": "...), h.Value...), "\r\n"...)
	}
	return append(append(b, "\r\n"...), body...)
}

// indexHeader finds a header by name, case-insensitively; -1 if absent.
func indexHeader(hs []Header, name string) int {
	for i, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return i
		}
	}
	return -1
}

// hostHeader is requests' Host: the port only when it is not the scheme's.
func hostHeader(u *url.URL) string {
	if p := u.Port(); p == "" || (u.Scheme == "http" && p == "80") || (u.Scheme == "https" && p == "443") {
		return u.Hostname()
	}
	return u.Host
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return net.JoinHostPort(u.Hostname(), "443")
	}
	return net.JoinHostPort(u.Hostname(), "80")
}

// get returns a kept connection or dials a new one within the timeout.
func (c *Client) get(ctx context.Context, u *url.URL, key string) (*conn, bool, error) {
	c.mu.Lock()
	if list := c.idle[key]; len(list) > 0 {
		cn := list[len(list)-1]
		c.idle[key] = list[:len(list)-1]
		c.mu.Unlock()
		return cn, true, nil
	}
	c.mu.Unlock()
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, false, fmt.Errorf("no connection adapters for %q", u.String())
	}
	dctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	nc, err := c.dialer.DialContext(dctx, "tcp", hostPort(u))
	if err != nil {
		if dctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return nil, false, &TimeoutError{"connect", c.timeout}
		}
		return nil, false, fmt.Errorf("connect: %w", err)
	}
	if u.Scheme == "https" {
		cfg := c.tls.Clone()
		cfg.ServerName = u.Hostname()
		tc := tls.Client(nc, cfg)
		_ = tc.SetDeadline(time.Now().Add(c.timeout))
		if err := tc.HandshakeContext(dctx); err != nil {
			nc.Close()
			return nil, false, fmt.Errorf("tls handshake: %w", err)
		}
		_ = tc.SetDeadline(time.Time{})
		nc = tc
	}
	return &conn{Conn: nc, br: bufio.NewReader(nc)}, false, nil
}

func (c *Client) put(key string, cn *conn) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.idle[key]) >= MaxIdlePerHost {
		cn.Close()
		return
	}
	c.idle[key] = append(c.idle[key], cn)
}

// CloseIdle closes the kept connections.
func (c *Client) CloseIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, list := range c.idle {
		for _, cn := range list {
			cn.Close()
		}
		delete(c.idle, k)
	}
}

// conn is one connection with its reader.
type conn struct {
	net.Conn
	br *bufio.Reader
}

// staleError: a kept connection was closed by the peer before it answered.
type staleError struct{ err error }

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

// exchange writes req and reads the whole answer, each read bounded by
// timeout. keep says the connection may be reused.
func (cn *conn) exchange(ctx context.Context, req []byte, method string, timeout time.Duration) (int, http.Header, bool, error) {
	stop := context.AfterFunc(ctx, func() { _ = cn.SetDeadline(time.Now()) })
	defer stop()
	_ = cn.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := cn.Write(req); err != nil {
		return 0, nil, false, cn.fail(ctx, "write", timeout, &staleError{err})
	}
	rd := &readTimeout{c: cn, timeout: timeout}
	br := cn.br
	br.Reset(rd)
	if _, err := br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
			return 0, nil, false, cn.fail(ctx, "read", timeout, &staleError{fmt.Errorf("connection closed before an answer: %w", err)})
		}
		return 0, nil, false, cn.fail(ctx, "read", timeout, err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return 0, nil, false, cn.fail(ctx, "read", timeout, fmt.Errorf("read answer: %w", err))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("answer body cut short (%d bytes announced): %w", resp.ContentLength, err)
		}
		return 0, nil, false, cn.fail(ctx, "read", timeout, err)
	}
	return resp.StatusCode, resp.Header, !resp.Close, nil
}

// fail turns a deadline into a TimeoutError (or the context's error).
func (cn *conn) fail(ctx context.Context, op string, timeout time.Duration, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", op, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &TimeoutError{op, timeout}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// readTimeout sets a fresh deadline before each read: requests' read
// timeout bounds the wait for each piece of the answer.
type readTimeout struct {
	c       *conn
	timeout time.Duration
}

func (r *readTimeout) Read(p []byte) (int, error) {
	_ = r.c.SetReadDeadline(time.Now().Add(r.timeout))
	return r.c.Conn.Read(p)
}
