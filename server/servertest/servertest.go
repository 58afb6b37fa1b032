// Package servertest starts labelhook's mock Label Studio in-process for
// tests, the way net/http/httptest starts a server: on 127.0.0.1:0,
// closed by t.Cleanup.
package servertest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labelhook/labelhook/server"
)

// Server is a running mock Label Studio.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:41234 (no trailing slash).
	URL string
	// Token is the API token to send as "Authorization: Token <Token>".
	Token string
	// Mock is the server itself.
	Mock *server.Server
}

// Option changes the server's Config before it starts.
type Option func(*server.Config)

// WithConfig replaces the whole Config.
func WithConfig(cfg server.Config) Option { return func(c *server.Config) { *c = cfg } }

// WithBatchSize sets the most items one list event carries.
func WithBatchSize(n int) Option { return func(c *server.Config) { c.BatchSize = n } }

// WithWebhookTimeout bounds one delivery.
func WithWebhookTimeout(d time.Duration) Option {
	return func(c *server.Config) { c.WebhookTimeout = d }
}

// WithMaxConsecutiveFailures sets the auto-disable threshold; 0 turns
// auto-disable off (as the --max-consecutive-failures flag does).
func WithMaxConsecutiveFailures(n int) Option {
	return func(c *server.Config) {
		c.MaxConsecutiveFailures = n
		if n == 0 {
			c.MaxConsecutiveFailures = -1
		}
	}
}

// WithAsyncDelivery delivers webhooks from a background queue.
func WithAsyncDelivery() Option { return func(c *server.Config) { c.AsyncDelivery = true } }

// WithOrganizationWebhooks accepts webhooks without a project (Label
// Studio Enterprise; open-source Label Studio answers them 404).
func WithOrganizationWebhooks() Option {
	return func(c *server.Config) { c.OrganizationWebhooks = true }
}

// WithLocalFilesRoot lets local files storages read folders below dir
// (Label Studio's LOCAL_FILES_DOCUMENT_ROOT): write a test's files to a
// folder below t.TempDir() and create a storage on it.
func WithLocalFilesRoot(dir string) Option {
	return func(c *server.Config) { c.LocalFilesRoot = dir }
}

// NewServer starts a mock Label Studio for the test and stops it (draining
// async deliveries) when the test ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var cfg server.Config
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.Token == "" {
		cfg.Token = server.DefaultToken
	}
	mock, err := server.New(cfg)
	if err != nil {
		t.Fatalf("servertest: %v", err)
	}
	ts := httptest.NewServer(mock)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := mock.Close(ctx); err != nil {
			t.Errorf("close mock server: %v", err)
		}
	})
	return &Server{URL: ts.URL, Token: cfg.Token, Mock: mock}
}

// Client returns an HTTP client that sends the server's token with every
// request that has no Authorization header of its own, as
// httptest.Server.Client returns one that trusts its certificate.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: tokenTransport{token: s.Token, base: http.DefaultTransport}}
}

// tokenTransport adds "Authorization: Token <token>".
type tokenTransport struct {
	token string
	base  http.RoundTripper
}

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Token "+t.token)
	}
	return t.base.RoundTrip(r)
}
