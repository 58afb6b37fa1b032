package server

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labelhook/labelhook/schemas"
)

// DefaultDeliveryLogSize is how many attempts the delivery log keeps; the
// oldest are evicted first (and counted).
const DefaultDeliveryLogSize = 100000

// Delivery outcomes in the log.
const (
	OutcomeDelivered   = "delivered"   // the receiver answered 2xx
	OutcomeFailed      = "failed"      // non-2xx, transport error or timeout
	OutcomeDropped     = "dropped"     // --fault-drop chose not to send it
	OutcomeSkipped     = "skipped"     // the webhook was deleted or disabled before it went out
	OutcomeUndelivered = "undelivered" // shutdown came before it could be sent
)

// Attempt is one delivery attempt in the log (GET /_labelhook/deliveries).
type Attempt struct {
	Seq        int64          `json:"seq"`
	DeliveryID string         `json:"delivery_id"`
	WebhookID  int            `json:"webhook_id"`
	Action     schemas.Action `json:"action"`
	URL        string         `json:"url"`
	Attempt    int            `json:"attempt"`
	Final      bool           `json:"final"`
	Outcome    string         `json:"outcome"`
	Status     int            `json:"status,omitempty"`
	Error      string         `json:"error,omitempty"`
	DurationMS float64        `json:"duration_ms"`
	BodyBytes  int            `json:"body_bytes"`
	At         time.Time      `json:"at"`
	Fault      string         `json:"fault,omitempty"`
}

// deliveryLog is a bounded, ordered log of attempts.
type deliveryLog struct {
	mu      sync.Mutex
	size    int
	seq     int64
	items   []Attempt
	evicted int64
}

func (l *deliveryLog) add(a Attempt) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	a.Seq = l.seq
	if len(l.items) >= l.size {
		// Evict the oldest tenth at once, so a full log costs O(1) per add.
		drop := max(len(l.items)-l.size+1, l.size/10)
		l.items = append(l.items[:0], l.items[drop:]...)
		l.evicted += int64(drop)
	}
	l.items = append(l.items, a)
}

func (l *deliveryLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items, l.evicted = nil, 0
}

// Deliveries returns the logged attempts that keep selects, in order.
func (s *Server) Deliveries(keep func(Attempt) bool) []Attempt {
	l := s.out.log
	l.mu.Lock()
	defer l.mu.Unlock()
	out := []Attempt{}
	for _, a := range l.items {
		if keep == nil || keep(a) {
			out = append(out, a)
		}
	}
	return out
}

// handleDeliveries serves GET /_labelhook/deliveries?webhook=&action=&outcome=.
func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	webhookID := 0
	if v := q.Get("webhook"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errValidation("webhook", "A valid webhook id is required.")
		}
		webhookID = n
	}
	action := q.Get("action")
	if action != "" {
		if _, ok := schemas.Lookup(action); !ok {
			msg := "\"" + action + "\" is not a valid choice."
			if sug := schemas.Suggest(action); sug != "" {
				msg += " (did you mean " + string(sug) + "?)"
			}
			return errValidation("action", msg)
		}
	}
	outcome := q.Get("outcome")
	switch outcome {
	case "", OutcomeDelivered, OutcomeFailed, OutcomeDropped, OutcomeSkipped, OutcomeUndelivered:
	default:
		return errValidation("outcome", "\""+outcome+"\" is not one of delivered, failed, dropped, skipped, undelivered.")
	}
	list := s.Deliveries(func(a Attempt) bool {
		return (webhookID == 0 || a.WebhookID == webhookID) &&
			(action == "" || string(a.Action) == action) &&
			(outcome == "" || a.Outcome == outcome)
	})
	writeJSON(w, http.StatusOK, list)
	return nil
}

// handleReset serves POST /_labelhook/reset: every project, task,
// annotation, prediction, view and webhook goes, the ids start over and
// the delivery log is cleared, so an external scenario run starts clean.
// No webhook is sent.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) error {
	var (
		seq uint64
		err error
	)
	func() {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		fresh := newStore()
		s.st.next = fresh.next
		s.st.gen++
		s.st.projects, s.st.tasks, s.st.annotations = fresh.projects, fresh.tasks, fresh.annotations
		s.st.predictions, s.st.webhooks, s.st.views = fresh.predictions, fresh.webhooks, fresh.views
		clear(s.st.dirty) // ids start over: a stale touch would count a new task twice
		if s.st.changes != nil {
			clear(s.st.changes)
			s.st.wasReset = true
		}
		seq, err = s.record()
	}()
	if err == nil {
		err = s.durable(seq)
	}
	if err != nil {
		return errNotSaved(err)
	}
	s.out.log.clear()
	s.log.Info("state reset")
	writeJSON(w, http.StatusOK, map[string]string{"detail": "labelhook state cleared"})
	return nil
}
