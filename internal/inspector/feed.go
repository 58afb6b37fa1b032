package inspector

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// subscriberBuffer is how many frames an open page may fall behind before
// it is told to resync (reload the list) instead of holding up the
// receiver.
const subscriberBuffer = 4096

// keepAlive is how often an idle stream sends a comment, so proxies and
// the browser keep the connection.
const keepAlive = 15 * time.Second

// feed fans frames out to the open pages' streams. Publishing never
// blocks: a page that falls behind is dropped and resyncs.
type feed struct {
	mu   sync.Mutex
	subs map[chan []byte]struct{}
	n    atomic.Int64
}

func newFeed() *feed { return &feed{subs: map[chan []byte]struct{}{}} }

// watched reports whether any page is open.
func (f *feed) watched() bool { return f.n.Load() > 0 }

func (f *feed) subscribe() chan []byte {
	ch := make(chan []byte, subscriberBuffer)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs[ch] = struct{}{}
	f.n.Add(1)
	return ch
}

// unsubscribe forgets ch, unless publish dropped it already.
func (f *feed) unsubscribe(ch chan []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[ch]; ok {
		delete(f.subs, ch)
		f.n.Add(-1)
	}
}

// publish sends fr to every page; a page whose buffer is full is dropped
// (its channel closed), and its stream tells it to resync.
func (f *feed) publish(fr []byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		select {
		case ch <- fr:
		default:
			delete(f.subs, ch)
			f.n.Add(-1)
			close(ch)
		}
	}
}

// frame is one server-sent event; data is one line of JSON.
func frame(event, id string, data []byte) []byte {
	var b strings.Builder
	if id != "" {
		b.WriteString("id: " + id + "\n")
	}
	b.WriteString("event: " + event + "\ndata: ")
	b.Write(data)
	b.WriteString("\n\n")
	return []byte(b.String())
}

// handleStream serves GET /ui/api/stream: "ready" once subscribed (the
// page then loads the list, so no record falls between the two), then
// "record" with each record's summary once it is final, "cleared" after
// DELETE /events, and "resync" before it ends a stream that fell behind.
// It ends when the browser leaves or the receiver shuts down.
func (p *ReceiverPage) handleStream(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	ch := p.feed.subscribe()
	defer p.feed.unsubscribe(ch)

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write(append([]byte("retry: 1000\n"), frame("ready", "", []byte("{}"))...)) {
		return
	}
	tick := time.NewTicker(keepAlive)
	defer tick.Stop()
	for {
		select {
		case fr, ok := <-ch:
			if !ok {
				write(frame("resync", "", []byte("{}")))
				return
			}
			// Write what else is waiting before one flush: a burst of
			// webhooks costs one write to the browser, not one each.
			if _, err := w.Write(fr); err != nil {
				return
			}
		drain:
			for range 256 {
				select {
				case more, ok := <-ch:
					if !ok {
						write(frame("resync", "", []byte("{}")))
						return
					}
					if _, err := w.Write(more); err != nil {
						return
					}
				default:
					break drain
				}
			}
			if rc.Flush() != nil {
				return
			}
		case <-tick.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		case <-p.src.Done:
			return
		}
	}
}
