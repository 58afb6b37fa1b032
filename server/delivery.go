package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/signing"
)

// DefaultUserAgent is what python-requests, Label Studio's HTTP client,
// sends; a webhook's own User-Agent header replaces it.
const DefaultUserAgent = "python-requests/2.32.3"

// maxRetryAfter bounds how long a Retry-After answer may make a retry wait.
const maxRetryAfter = 10 * time.Minute

// dispatcher delivers planned deliveries: inline in the API request (the
// open-source default), or through one background worker that keeps
// emission order (--async-delivery, Label Studio with Redis/RQ). Every
// attempt goes to the delivery log.
type dispatcher struct {
	s      *Server
	log    *deliveryLog
	signer *signing.Signer
	faults *faultRNG

	mu     sync.RWMutex // guards closed against concurrent enqueue
	closed bool

	// pending counts emissions queued or being delivered (async mode).
	pendMu   sync.Mutex
	pendCond *sync.Cond
	pending  int

	queue  chan []delivery
	done   chan struct{}
	ctx    context.Context // cancelled when Close gives up waiting
	cancel context.CancelFunc
}

func newDispatcher(s *Server) *dispatcher {
	d := &dispatcher{s: s, log: &deliveryLog{size: s.cfg.DeliveryLogSize}, faults: newFaultRNG(s.cfg.Faults.Seed)}
	if s.cfg.SigningSecret != "" {
		signer, err := signing.New(s.cfg.SigningSecret)
		if err != nil {
			// New has no error result; a bad secret must not go unnoticed.
			panic(fmt.Sprintf("server.New: %v", err))
		}
		d.signer = signer
	}
	d.pendCond = sync.NewCond(&d.pendMu)
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
		d.run(ds)
		return
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.closed {
		// Shutting down: deliver inline rather than lose the events.
		d.run(ds)
		return
	}
	d.addPending(1)
	d.queue <- ds
}

func (d *dispatcher) addPending(n int) {
	d.pendMu.Lock()
	d.pending += n
	if d.pending == 0 {
		d.pendCond.Broadcast()
	}
	d.pendMu.Unlock()
}

// flush waits until no emission is queued or being delivered, or ctx ends.
func (d *dispatcher) flush(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		d.pendMu.Lock()
		d.pendCond.Broadcast()
		d.pendMu.Unlock()
	})
	defer stop()
	d.pendMu.Lock()
	defer d.pendMu.Unlock()
	for d.pending > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("flush webhook queue (%d emissions left): %w", d.pending, err)
		}
		d.pendCond.Wait()
	}
	return nil
}

// work is the async worker: emissions in queue order. With the reorder
// fault it takes every emission already waiting and shuffles them together.
func (d *dispatcher) work() {
	defer close(d.done)
	for ds := range d.queue {
		n := 1
		if d.s.cfg.Faults.Reorder {
		more:
			for {
				select {
				case next, ok := <-d.queue:
					if !ok {
						break more
					}
					ds = append(ds, next...)
					n++
				default:
					break more
				}
			}
		}
		d.run(ds)
		d.addPending(-n)
	}
}

// run makes ds's deliveries one after the other, as Label Studio does.
func (d *dispatcher) run(ds []delivery) {
	if d.s.cfg.Faults.Reorder && len(ds) > 1 {
		ds = append([]delivery(nil), ds...)
		for i := range ds {
			ds[i].planned = i
		}
		d.faults.shuffle(ds)
		moved := 0
		for i := range ds {
			if ds[i].planned != i {
				ds[i].reordered = true
				moved++
			}
		}
		if moved > 0 {
			d.s.log.Info("webhook deliveries reordered on purpose (--fault-reorder)", "deliveries", len(ds), "moved", moved)
		}
	}
	for _, dl := range ds {
		d.deliver(dl)
	}
}

// close stops the queue and waits until it is drained or ctx ends; then
// in-flight deliveries are cancelled and what was left is logged and
// recorded as undelivered.
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

// deliver makes one delivery: the faults, then up to 1+len(RetrySchedule)
// attempts, then Label Studio's failure accounting for the outcome.
func (d *dispatcher) deliver(dl delivery) {
	s := d.s
	if dl.full != nil {
		dl.body = dl.full.get()
		defer dl.full.done()
	}
	f := s.cfg.Faults
	if d.ctx.Err() != nil {
		d.record(dl, 1, true, OutcomeUndelivered, 0, errors.New("server shut down before the delivery was sent"), 0, "")
		s.log.Error("webhook left undelivered at shutdown", "action", dl.action, "webhook_id", dl.webhookID, "url", dl.url)
		return
	}
	if !d.live(dl) {
		d.record(dl, 1, true, OutcomeSkipped, 0, errors.New("the webhook was deleted or disabled after the event"), 0, "")
		s.log.Info("webhook delivery skipped: the webhook was deleted or disabled after the event", "action", dl.action, "webhook_id", dl.webhookID)
		return
	}
	if d.faults.chance(f.Drop) {
		d.record(dl, 1, true, OutcomeDropped, 0, nil, 0, "drop")
		s.log.Info("webhook delivery dropped on purpose (--fault-drop)", "action", dl.action, "webhook_id", dl.webhookID)
		return
	}
	var faults []string
	if dl.reordered {
		faults = append(faults, "reorder")
	}
	if f.DelayMax > 0 {
		faults = append(faults, "delay")
		if !d.sleep(d.faults.between(f.DelayMin, f.DelayMax)) {
			d.record(dl, 1, true, OutcomeUndelivered, 0, d.ctx.Err(), 0, strings.Join(faults, "+"))
			return
		}
	}
	fault := strings.Join(faults, "+")
	ok, aborted := d.attempts(dl, fault)
	if aborted {
		return
	}
	d.account(dl, ok)
	if d.faults.chance(f.Duplicate) && d.live(dl) {
		start := time.Now()
		status, _, err := d.post(dl)
		d.record(dl, 1, true, outcomeOf(status, err), status, err, time.Since(start), "duplicate")
	}
}

// attempts tries dl until a 2xx or until the retry schedule is used up.
// aborted reports a shutdown that cut it short (no failure to count).
func (d *dispatcher) attempts(dl delivery, fault string) (ok, aborted bool) {
	s := d.s
	schedule := s.cfg.RetrySchedule
	for n := 1; ; n++ {
		start := time.Now()
		status, ra, err := d.post(dl)
		took := time.Since(start)
		if err != nil && d.ctx.Err() != nil {
			// Cut short by a shutdown that could not wait: not the receiver's fault.
			d.record(dl, n, true, OutcomeUndelivered, 0, err, took, fault)
			s.log.Error("webhook delivery cut short at shutdown", "action", dl.action, "webhook_id", dl.webhookID, "url", dl.url)
			return false, true
		}
		outcome := outcomeOf(status, err)
		final := outcome == OutcomeDelivered || n > len(schedule) || status == http.StatusGone
		d.record(dl, n, final, outcome, status, err, took, fault)
		log := s.log.With("action", dl.action, "webhook_id", dl.webhookID, "url", dl.url, "attempt", n, "duration", took)
		switch {
		case err != nil:
			log.Warn("webhook delivery failed", "err", err)
		case outcome == OutcomeFailed:
			log.Warn("webhook delivery failed", "status", status)
		default:
			log.Debug("webhook delivered", "status", status)
		}
		if outcome == OutcomeDelivered {
			return true, false
		}
		if status == http.StatusGone && len(schedule) > 0 {
			d.disable(dl, "the receiver answered 410 Gone")
			return false, false
		}
		if final {
			return false, false
		}
		wait := schedule[n-1]
		if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && ra >= 0 {
			wait = ra
		}
		if !d.sleep(wait) {
			d.record(dl, n+1, true, OutcomeUndelivered, 0, errors.New("server shut down while waiting to retry"), 0, fault)
			return false, true
		}
		if !d.live(dl) {
			return false, false
		}
	}
}

func outcomeOf(status int, err error) string {
	if err == nil && status >= 200 && status < 300 {
		return OutcomeDelivered
	}
	return OutcomeFailed
}

// sleep waits d, or less if the server gives up on its queue; it reports
// whether the whole wait passed.
func (d *dispatcher) sleep(wait time.Duration) bool {
	if wait <= 0 {
		return d.ctx.Err() == nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-d.ctx.Done():
		return false
	}
}

// live reports whether dl's webhook still exists, is active, and is the
// one dl was planned for (no reset since).
func (d *dispatcher) live(dl delivery) bool {
	d.s.st.mu.Lock()
	defer d.s.st.mu.Unlock()
	w := d.s.st.webhooks[dl.webhookID]
	return w != nil && w.IsActive && d.s.st.gen == dl.gen
}

func (d *dispatcher) disable(dl delivery, why string) {
	id := dl.webhookID
	changed := d.s.changeWebhook(id, dl.gen, func(w *webhook) bool {
		w.IsActive = false
		return true
	})
	if changed {
		d.s.log.Warn("webhook disabled", "webhook_id", id, "reason", why)
	}
}

func (d *dispatcher) record(dl delivery, attempt int, final bool, outcome string, status int, err error, took time.Duration, fault string) {
	a := Attempt{
		DeliveryID: dl.id, WebhookID: dl.webhookID, Action: dl.action, URL: dl.url, Attempt: attempt,
		Final: final, Outcome: outcome, Status: status, DurationMS: float64(took.Microseconds()) / 1000,
		BodyBytes: len(dl.body), At: time.Now().UTC(), Fault: fault,
	}
	if err != nil {
		a.Error = err.Error()
	}
	d.log.add(a)
}

// account applies Label Studio's failure accounting to one delivery's
// outcome: a 2xx resets the count, a failure adds one, and reaching the
// threshold disables the webhook. A threshold below zero turns counting
// off.
func (d *dispatcher) account(dl delivery, ok bool) {
	s := d.s
	limit := s.cfg.MaxConsecutiveFailures
	s.changeWebhook(dl.webhookID, dl.gen, func(w *webhook) bool {
		if ok {
			changed := w.ConsecutiveFailures != 0
			w.ConsecutiveFailures = 0
			return changed
		}
		if limit <= 0 {
			return false
		}
		w.ConsecutiveFailures++
		if w.ConsecutiveFailures >= limit && w.IsActive {
			w.IsActive = false
			s.log.Warn("webhook disabled after consecutive failures", "webhook_id", w.ID, "url", w.URL, "failures", w.ConsecutiveFailures)
		}
		return true
	})
}

// post sends the body once and returns the status and the wait a
// Retry-After header asks for (-1 if none). The answer's body is read (so
// the connection can be reused) and ignored, as Label Studio does.
func (d *dispatcher) post(dl delivery) (int, time.Duration, error) {
	s := d.s
	if s.cfg.SSRFProtection {
		if err := checkSSRF(dl.url); err != nil {
			return 0, 0, fmt.Errorf("post %s: %w", dl.url, err)
		}
	}
	ctx, cancel := context.WithTimeout(d.ctx, s.cfg.WebhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, dl.url, bytes.NewReader(dl.body))
	if err != nil {
		return 0, 0, fmt.Errorf("build request: %w", err)
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
	if d.signer != nil {
		now := time.Now() // receivers check the timestamp against their own clock
		req.Header.Set("Webhook-Id", dl.id)
		req.Header.Set("Webhook-Timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("Webhook-Signature", d.signer.Sign(dl.id, now, dl.body))
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return 0, 0, fmt.Errorf("post %s: timed out after %s: %w", dl.url, s.cfg.WebhookTimeout, err)
		}
		return 0, 0, fmt.Errorf("post %s: %w", dl.url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, retryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// retryAfter reads a Retry-After value: seconds or an HTTP date, capped
// at maxRetryAfter; -1 when absent or unreadable (0 is a real answer:
// retry at once).
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return -1
	}
	var wait time.Duration
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		wait = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		wait = t.Sub(now)
	} else {
		return -1
	}
	return min(max(wait, 0), maxRetryAfter)
}
