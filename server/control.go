package server

// labelhook's own control routes under /_labelhook (beside Label
// Studio's /api): the delivery log and a reset of the whole state.

import (
	"net/http"
	"strconv"

	"github.com/labelhook/labelhook/schemas"
)

// handleDeliveries serves GET /_labelhook/deliveries?webhook=&action=&outcome=&since=
// (a repeated parameter counts by its last value, as on Label Studio's
// routes).
func (s *Server) handleDeliveries(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var since int64 // attempts with seq > since: a cursor for pages that poll
	if v := param(q, "since"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errValidation("since", "A valid seq number (0 or more) is required.")
		}
		since = n
	}
	webhookID := 0
	if v := param(q, "webhook"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return errValidation("webhook", "A valid webhook id is required.")
		}
		webhookID = n
	}
	action := param(q, "action")
	if action != "" {
		if _, ok := schemas.Lookup(action); !ok {
			msg := "\"" + action + "\" is not a valid choice."
			if sug := schemas.Suggest(action); sug != "" {
				msg += " (did you mean " + string(sug) + "?)"
			}
			return errValidation("action", msg)
		}
	}
	outcome := param(q, "outcome")
	switch outcome {
	case "", OutcomeDelivered, OutcomeFailed, OutcomeDropped, OutcomeSkipped, OutcomeUndelivered:
	default:
		return errValidation("outcome", "\""+outcome+"\" is not one of delivered, failed, dropped, skipped, undelivered.")
	}
	list := s.Deliveries(func(a Attempt) bool {
		return a.Seq > since && (webhookID == 0 || a.WebhookID == webhookID) &&
			(action == "" || string(a.Action) == action) &&
			(outcome == "" || a.Outcome == outcome)
	})
	writeJSON(w, http.StatusOK, list)
	return nil
}

// handleReset serves POST /_labelhook/reset: every project, task,
// annotation, prediction, view, webhook, file upload, label, storage and
// export goes, the ids start over and
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
		s.st.next = counters{}
		s.st.gen++
		s.st.version++
		s.st.tables = newTables()
		s.st.renders.bytes.Store(0)
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
