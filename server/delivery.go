package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultUserAgent is what python-requests, Label Studio's HTTP client,
// sends; a webhook's own User-Agent header replaces it.
const DefaultUserAgent = "python-requests/2.32.3"

// dispatcher delivers planned deliveries: inline in the API request (the
// open-source default), or through one background worker that keeps
// emission order (--async-delivery, Label Studio with Redis/RQ).
type dispatcher struct {
	s *Server

	mu     sync.RWMutex // guards closed against concurrent enqueue
	closed bool
	queue  chan []delivery
	done   chan struct{}
	ctx    context.Context // cancelled when Close gives up waiting
	cancel context.CancelFunc
}

func newDispatcher(s *Server) *dispatcher {
	d := &dispatcher{s: s}
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if s.cfg.AsyncDelivery {
		d.queue = make(chan []delivery, s.cfg.AsyncQueue)
		d.done = make(chan struct{})
		go d.work()
	}
	return d
}

// dispatch delivers ds. In sync mode it returns once every POST has
// answered or timed out; in async mode once ds is queued (waiting for
// room when the queue is full: backpressure, never a drop).
func (d *dispatcher) dispatch(ds []delivery) {
	if len(ds) == 0 {
		return
	}
	if d.queue == nil {
		for _, dl := range ds {
			d.send(d.ctx, dl)
		}
		return
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		// Shutting down: deliver inline rather than lose the events.
		for _, dl := range ds {
			d.send(d.ctx, dl)
		}
		return
	}
	d.queue <- ds
}

func (d *dispatcher) work() {
	defer close(d.done)
	for ds := range d.queue {
		for _, dl := range ds {
			d.send(d.ctx, dl)
		}
	}
}

// close stops the queue and waits until it is drained or ctx ends; then
// in-flight deliveries are cancelled and what was left is logged.
func (d *dispatcher) close(ctx context.Context) error {
	if d.queue == nil {
		return nil
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.queue)
	d.mu.Unlock()
	select {
	case <-d.done:
		return nil
	case <-ctx.Done():
	}
	d.cancel()
	<-d.done
	return fmt.Errorf("drain webhook queue: %w", ctx.Err())
}

// send makes one delivery attempt (Label Studio never retries) and
// updates the webhook's consecutive-failure count.
func (d *dispatcher) send(ctx context.Context, dl delivery) {
	s := d.s
	// A webhook deleted or disabled since the event was planned gets nothing.
	s.st.mu.Lock()
	w := s.st.webhooks[dl.webhookID]
	live := w != nil && w.isActive
	s.st.mu.Unlock()
	if !live {
		s.log.Info("webhook delivery skipped: the webhook was deleted or disabled after the event", "action", dl.action, "webhook_id", dl.webhookID)
		return
	}
	start := time.Now()
	status, err := d.post(ctx, dl)
	ok := err == nil && status >= 200 && status < 300
	log := s.log.With("action", dl.action, "webhook_id", dl.webhookID, "url", dl.url, "duration", time.Since(start))
	switch {
	case err != nil:
		log.Warn("webhook delivery failed", "err", err)
	case !ok:
		log.Warn("webhook delivery failed", "status", status)
	default:
		log.Debug("webhook delivered", "status", status)
	}
	if d.account(dl.webhookID, ok) && s.cfg.OnChange != nil {
		s.cfg.OnChange()
	}
}

// account applies Label Studio's failure accounting: a 2xx resets the
// count, a failure adds one, and reaching the threshold disables the
// webhook. A threshold below zero turns counting off. It reports whether
// the webhook changed.
func (d *dispatcher) account(id int, ok bool) bool {
	s := d.s
	s.st.mu.Lock()
	defer s.st.mu.Unlock()
	w := s.st.webhooks[id]
	if w == nil {
		return false
	}
	if ok {
		changed := w.consecutiveFailures != 0
		w.consecutiveFailures = 0
		return changed
	}
	limit := s.cfg.MaxConsecutiveFailures
	if limit <= 0 {
		return false
	}
	w.consecutiveFailures++
	if w.consecutiveFailures >= limit && w.isActive {
		w.isActive = false
		s.log.Warn("webhook disabled after consecutive failures", "webhook_id", id, "url", w.url, "failures", w.consecutiveFailures)
	}
	return true
}

// post sends the body and returns the status. The answer's body is read
// (so the connection can be reused) and ignored.
func (d *dispatcher) post(ctx context.Context, dl delivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, d.s.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.url, bytes.NewReader(dl.body))
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", DefaultUserAgent)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Accept-Encoding", "gzip, deflate")
	req.Header.Set("Content-Type", "application/json")
	for _, h := range dl.headers {
		if strings.EqualFold(h.name, "Host") {
			req.Host = h.value
			continue
		}
		req.Header.Del(h.name)
		req.Header[http.CanonicalHeaderKey(h.name)] = []string{h.value}
	}
	resp, err := d.s.cfg.HTTPClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, fmt.Errorf("post %s: timed out after %s: %w", dl.url, d.s.cfg.WebhookTimeout, err)
		}
		return 0, fmt.Errorf("post %s: %w", dl.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, nil
}
