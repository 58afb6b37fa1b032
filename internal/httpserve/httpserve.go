// Package httpserve runs an http.Handler on a TCP address until it is
// asked to stop: the listen, serve, wait and graceful shutdown that
// `labelhook serve`, `labelhook receive`, trigger's in-process mock and the
// bench each need.
package httpserve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Server is a handler being served.
type Server struct {
	// URL is the base URL, http:// and the address it listens on (the
	// port chosen for ":0").
	URL    string
	hs     *http.Server
	served chan error
}

// Listen listens on addr and serves h in the background.
func Listen(addr string, h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	s := &Server{URL: "http://" + ln.Addr().String(), served: make(chan error, 1),
		hs: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}}
	go func() { s.served <- s.hs.Serve(ln) }()
	return s, nil
}

// Wait blocks until ctx ends (nil) or serving fails (the error).
func (s *Server) Wait(ctx context.Context) error {
	select {
	case err := <-s.served:
		s.served <- err // for Shutdown
		return fmt.Errorf("serve %s: %w", s.URL, err)
	case <-ctx.Done():
		return nil
	}
}

// Shutdown stops accepting connections and waits, until ctx ends, for the
// requests in flight to finish and for the serving goroutine to return.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.hs.Shutdown(ctx)
	select {
	case serr := <-s.served:
		if !errors.Is(serr, http.ErrServerClosed) {
			err = errors.Join(err, serr)
		}
	case <-ctx.Done():
		err = errors.Join(err, ctx.Err())
	}
	return err
}

// Exposed reports whether a server listening on addr is reachable beyond
// the loopback interface (an unparsable address counts as exposed).
func Exposed(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return true
	}
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// Probe GETs url, a labelhook server's /health, and returns the answer's
// body (its first KiB, trimmed) when the status is 200.
func Probe(ctx context.Context, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, text)
	}
	return text, nil
}
