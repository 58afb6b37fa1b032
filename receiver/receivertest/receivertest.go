// Package receivertest starts an in-process webhook receiver for tests,
// the way net/http/httptest starts a server: NewReceiver(t) listens on
// 127.0.0.1:0, and t.Cleanup closes it. Point the code under test (or the
// mock Label Studio of servertest) at URL, then Wait for what it sent.
package receivertest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labelhook/labelhook/receiver"
)

// DefaultWaitTimeout bounds Wait when its context has no deadline, so a
// missing webhook fails the test instead of hanging it.
const DefaultWaitTimeout = 10 * time.Second

// Receiver is a running receiver.Receiver with its test server.
type Receiver struct {
	// URL is the base URL, like http://127.0.0.1:PORT. Webhooks may be
	// posted to any path under it.
	URL string
	// Receiver is the handler, for what this type does not wrap.
	Receiver *receiver.Receiver

	t testing.TB
}

// Option changes the receiver's Config before it starts (the same style
// as servertest's options).
type Option func(*receiver.Config)

// WithConfig replaces the whole Config: forwarding, rejecting invalid
// bodies, checking signatures, a smaller record cap.
func WithConfig(cfg receiver.Config) Option { return func(c *receiver.Config) { *c = cfg } }

// WithForwardTo relays every accepted webhook to url.
func WithForwardTo(url string) Option { return func(c *receiver.Config) { c.ForwardTo = url } }

// WithRejectInvalid answers 400 to bodies that break the event contract.
func WithRejectInvalid() Option { return func(c *receiver.Config) { c.RejectInvalid = true } }

// WithSigningSecret checks Standard Webhooks signatures with secret.
func WithSigningSecret(secret string) Option {
	return func(c *receiver.Config) { c.SigningSecret = secret }
}

// WithMaxRecords keeps at most n records.
func WithMaxRecords(n int) Option { return func(c *receiver.Config) { c.MaxRecords = n } }

// NewReceiver starts a receiver (the zero receiver.Config unless options
// say otherwise) and closes it when the test ends.
func NewReceiver(t testing.TB, opts ...Option) *Receiver {
	t.Helper()
	var cfg receiver.Config
	for _, o := range opts {
		o(&cfg)
	}
	rc := receiver.New(cfg)
	srv := httptest.NewServer(rc)
	t.Cleanup(func() {
		rc.Close() // first, so planned delays end and srv.Close does not wait on them
		srv.Close()
	})
	return &Receiver{URL: srv.URL, Receiver: rc, t: t}
}

// Wait returns the first n records f selects as soon as they have arrived.
// Without a deadline on ctx it waits at most DefaultWaitTimeout. On
// timeout it returns what arrived and an error saying how many did.
func (r *Receiver) Wait(ctx context.Context, f receiver.Filter, n int) ([]receiver.Record, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultWaitTimeout)
		defer cancel()
	}
	return r.Receiver.Wait(ctx, f, n)
}

// Events returns the records f selects, in seq order.
func (r *Receiver) Events(f receiver.Filter) []receiver.Record {
	return r.Receiver.Events(f)
}

// SetResponses plans the answers to the coming webhooks; a bad step fails
// the test. No steps means 200 for every webhook.
func (r *Receiver) SetResponses(steps ...receiver.Step) {
	r.t.Helper()
	if err := r.Receiver.SetResponses(steps...); err != nil {
		r.t.Fatalf("receivertest: set responses: %v", err)
	}
}

// Reset forgets every record and the response plan, so one receiver can
// serve several subtests. Seq numbers keep counting.
func (r *Receiver) Reset() {
	r.Receiver.Clear()
	r.SetResponses()
}
