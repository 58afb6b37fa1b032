package server

import (
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
	// BodyBytes is the size of the body POSTed; 0 when the delivery was
	// never sent (skipped, dropped, or left at shutdown).
	BodyBytes int       `json:"body_bytes"`
	At        time.Time `json:"at"`
	Fault     string    `json:"fault,omitempty"`
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
