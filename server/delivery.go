package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labelhook/labelhook/internal/pyhttp"
	"github.com/labelhook/labelhook/internal/signing"
)

// maxRetryAfter bounds how long a Retry-After answer may make a retry wait.
const maxRetryAfter = 10 * time.Minute

// hookStore is what the delivery engine needs of the store: whether a
// webhook may still get a delivery, and a way to change it (its failure
// count, its is_active) under the store's lock, journaled. withWebhook
// calls fn with the webhook, or nil if it is gone or the store was reset
// since gen; fn reports whether it changed the webhook.
type hookStore interface {
	live(id, gen int) bool
	withWebhook(id, gen int, fn func(w *webhook) bool)
}

// deliverySettings are the engine's settings, from the Config.
type deliverySettings struct {
	schedule    []time.Duration
	maxFailures int // <= 0: no auto-disable
	faults      Faults
	ssrf        bool
	async       bool
	queue       int
	now         func() time.Time
	log         *slog.Logger
}

// dispatcher delivers planned deliveries: inline in the API request (the
// open-source default), or through one background worker that keeps
// emission order (--async-delivery, Label Studio with Redis/RQ). Every
// attempt goes to the delivery log.
type dispatcher struct {
	hooks  hookStore
	set    deliverySettings
	send   sender
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

func newDispatcher(hooks hookStore, set deliverySettings, send sender, signer *signing.Signer, logSize int) *dispatcher {
	d := &dispatcher{hooks: hooks, set: set, send: send, signer: signer, log: &deliveryLog{size: logSize}, faults: newFaultRNG(set.faults.Seed)}
	d.pendCond = sync.NewCond(&d.pendMu)
	d.ctx, d.cancel = context.WithCancel(context.Background())
	if set.async {
		d.queue = make(chan []delivery, set.queue)
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
		if d.set.faults.Reorder {
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
	if d.set.faults.Reorder && len(ds) > 1 {
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
			d.set.log.Info("webhook deliveries reordered on purpose (--fault-reorder)", "deliveries", len(ds), "moved", moved)
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

// deliver makes one delivery: the faults, then up to 1+len(schedule)
// attempts, then the failure accounting for the outcome, which records
// the final attempt in the same step so the log and the counter agree.
//
// The body of a chunk (a 5000-task TASKS_CREATED is megabytes) is built
// only once the delivery is going to be sent: not for a delivery skipped,
// dropped or left at shutdown, whose record says body_bytes 0.
func (d *dispatcher) deliver(dl delivery) {
	if dl.full != nil {
		defer dl.full.done()
	}
	log := d.set.log.With("action", dl.action, "webhook_id", dl.webhookID)
	f := d.set.faults
	unsent := dl
	unsent.body = nil
	if d.ctx.Err() != nil {
		d.record(unsent, 1, true, OutcomeUndelivered, 0, errors.New("server shut down before the delivery was sent"), 0, "")
		log.Error("webhook left undelivered at shutdown", "url", dl.url)
		return
	}
	if !d.hooks.live(dl.webhookID, dl.gen) {
		d.record(unsent, 1, true, OutcomeSkipped, 0, errors.New("the webhook was deleted or disabled after the event"), 0, "")
		log.Info("webhook delivery skipped: the webhook was deleted or disabled after the event")
		return
	}
	if d.faults.chance(f.Drop) {
		d.record(unsent, 1, true, OutcomeDropped, 0, nil, 0, "drop")
		log.Info("webhook delivery dropped on purpose (--fault-drop)")
		return
	}
	if dl.full != nil {
		dl.body = dl.full.get()
	}
	var faults []string
	if dl.reordered {
		faults = append(faults, "reorder")
	}
	if f.DelayMax > 0 {
		faults = append(faults, "delay")
		if !d.sleep(d.faults.between(f.DelayMin, f.DelayMax)) {
			d.record(unsent, 1, true, OutcomeUndelivered, 0, d.ctx.Err(), 0, strings.Join(faults, "+"))
			return
		}
	}
	fault := strings.Join(faults, "+")
	d.attempts(dl, fault)
	if d.faults.chance(f.Duplicate) && d.hooks.live(dl.webhookID, dl.gen) {
		start := time.Now()
		status, _, err := d.post(dl)
		d.record(dl, 1, true, outcomeOf(status, err), status, err, time.Since(start), "duplicate")
	}
}

// attempt is one try's result.
type attempt struct {
	n      int
	status int
	err    error
	took   time.Duration
}

// attempts tries dl until a 2xx or until the retry schedule is used up,
// then accounts for the outcome.
func (d *dispatcher) attempts(dl delivery, fault string) {
	schedule := d.set.schedule
	for n := 1; ; n++ {
		start := time.Now() // durations are real time, whatever the clock says
		status, ra, err := d.post(dl)
		a := attempt{n: n, status: status, err: err, took: time.Since(start)}
		log := d.set.log.With("action", dl.action, "webhook_id", dl.webhookID, "url", dl.url, "attempt", n, "duration", a.took)
		if err != nil && d.ctx.Err() != nil {
			// Cut short by a shutdown that could not wait: not the receiver's fault.
			d.record(dl, n, true, OutcomeUndelivered, 0, err, a.took, fault)
			log.Error("webhook delivery cut short at shutdown")
			return
		}
		outcome := outcomeOf(status, err)
		switch {
		case err != nil:
			log.Warn("webhook delivery failed", "err", err)
		case outcome == OutcomeFailed:
			log.Warn("webhook delivery failed", "status", status)
		default:
			log.Debug("webhook delivered", "status", status)
		}
		gone := status == http.StatusGone && len(schedule) > 0
		if outcome == OutcomeDelivered || n > len(schedule) || gone {
			d.account(dl, a, fault, gone)
			return
		}
		d.record(dl, n, false, outcome, status, err, a.took, fault)
		wait := schedule[n-1]
		if (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && ra >= 0 {
			wait = ra
		}
		if !d.sleep(wait) {
			d.record(dl, n+1, true, OutcomeUndelivered, 0, errors.New("server shut down while waiting to retry"), 0, fault)
			return
		}
		if !d.hooks.live(dl.webhookID, dl.gen) {
			d.record(dl, n+1, true, OutcomeSkipped, 0, errors.New("the webhook was deleted or disabled while waiting to retry"), 0, fault)
			return
		}
	}
}

func outcomeOf(status int, err error) string {
	if err == nil && status >= 200 && status < 300 {
		return OutcomeDelivered
	}
	return OutcomeFailed
}

// account records the final attempt and applies the failure accounting
// in one step under the store lock: a 2xx resets the count, a failure
// adds one, and reaching the threshold (a labelhook option; Label Studio
// 1.23.2 has none) disables the webhook; gone (a 410 with retries on)
// disables it at once.
func (d *dispatcher) account(dl delivery, a attempt, fault string, gone bool) {
	ok := outcomeOf(a.status, a.err) == OutcomeDelivered
	limit := d.set.maxFailures
	d.hooks.withWebhook(dl.webhookID, dl.gen, func(w *webhook) bool {
		d.record(dl, a.n, true, outcomeOf(a.status, a.err), a.status, a.err, a.took, fault)
		switch {
		case w == nil:
			return false
		case gone:
			if !w.IsActive {
				return false
			}
			w.IsActive = false
			d.set.log.Warn("webhook disabled", "webhook_id", w.ID, "reason", "the receiver answered 410 Gone")
			return true
		case ok:
			changed := w.ConsecutiveFailures != 0
			w.ConsecutiveFailures = 0
			return changed
		case limit <= 0:
			return false
		}
		w.ConsecutiveFailures++
		if w.ConsecutiveFailures >= limit && w.IsActive {
			w.IsActive = false
			d.set.log.Warn("webhook disabled after consecutive failures", "webhook_id", w.ID, "url", w.URL, "failures", w.ConsecutiveFailures)
		}
		return true
	})
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

func (d *dispatcher) record(dl delivery, attempt int, final bool, outcome string, status int, err error, took time.Duration, fault string) {
	a := Attempt{
		DeliveryID: dl.id, WebhookID: dl.webhookID, Action: dl.action, URL: dl.url, Attempt: attempt,
		Final: final, Outcome: outcome, Status: status, DurationMS: float64(took.Microseconds()) / 1000,
		BodyBytes: len(dl.body), At: d.set.now().UTC(), Fault: fault,
	}
	if err != nil {
		a.Error = err.Error()
	}
	d.log.add(a)
}

// post sends the body once (following redirects) and returns the final
// status and the wait a Retry-After header asks for (-1 if none). The
// answer's body is read whole and ignored, as Label Studio does.
func (d *dispatcher) post(dl delivery) (int, time.Duration, error) {
	if d.set.ssrf {
		if err := checkSSRF(dl.url); err != nil {
			return 0, 0, fmt.Errorf("post %s: %w", dl.url, err)
		}
	}
	headers := make([]pyhttp.Header, 0, len(dl.headers)+3)
	for _, h := range dl.headers {
		headers = append(headers, pyhttp.Header{Name: h.name, Value: h.value})
	}
	if d.signer != nil {
		now := time.Now() // receivers check the timestamp against their own clock
		headers = append(headers,
			pyhttp.Header{Name: "webhook-id", Value: dl.id},
			pyhttp.Header{Name: "webhook-timestamp", Value: strconv.FormatInt(now.Unix(), 10)},
			pyhttp.Header{Name: "webhook-signature", Value: d.signer.Sign(dl.id, now, dl.body)})
	}
	status, h, err := d.send.post(d.ctx, dl.url, headers, dl.body)
	if err != nil {
		return 0, 0, fmt.Errorf("post %s: %w", dl.url, err)
	}
	return status, retryAfter(h.Get("Retry-After"), time.Now()), nil
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
