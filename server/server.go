package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/gorilla/mux"
	"github.com/labelhook/labelhook/internal/pyhttp"
	"github.com/labelhook/labelhook/internal/signing"
)

// Server is the mock Label Studio. It is an http.Handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	st     *store
	router *router
	auth   *authenticator
	out    *dispatcher
	// persist keeps the state in files (OpenState); nil in memory only.
	persist *persister
	// shadow is the state rebuilt from journal records alone
	// (verifyJournal).
	shadow *loaded
}

// New returns a Server with cfg's settings (zero fields take the Label
// Studio release's defaults), or Validate's error. Close it to stop async
// delivery and to release a state file.
func New(cfg Config) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	prof, _ := profileFor(cfg.LabelStudioVersion)
	s := &Server{
		cfg:  cfg,
		log:  cfg.Logger,
		st:   newStore(),
		auth: newAuthenticator(cfg.Token, cfg.Now),
	}
	s.st.profile = prof
	s.st.renders.budget = max(cfg.RenderCacheBytes, 0)
	var signer *signing.Signer
	if cfg.SigningSecret != "" {
		signer, _ = signing.New(cfg.SigningSecret) // checked by Validate
	}
	var send sender = pySender{pyhttp.New(prof.UserAgent, cfg.WebhookTimeout)}
	if cfg.HTTPClient != nil {
		send = clientSender{c: cfg.HTTPClient, userAgent: prof.UserAgent, timeout: cfg.WebhookTimeout}
	}
	s.out = newDispatcher(s.st, deliverySettings{
		schedule: cfg.RetrySchedule, maxFailures: cfg.MaxConsecutiveFailures, faults: cfg.Faults,
		ssrf: cfg.SSRFProtection, async: cfg.AsyncDelivery, queue: cfg.AsyncQueue, now: cfg.Now, log: cfg.Logger,
	}, send, signer, cfg.DeliveryLogSize)
	s.st.persist = func() (uint64, error) { return s.record() }
	s.st.durable = s.durable
	s.router = s.routes()
	if err := s.router.check(); err != nil {
		return nil, fmt.Errorf("routes: %w", err) // a bug: every test's New catches it
	}
	if verifyJournal {
		s.st.trackChanges()
		s.shadow = newLoaded()
	}
	return s, nil
}

// Config returns the effective configuration (defaults filled in).
func (s *Server) Config() Config { return s.cfg }

// ServeHTTP serves the API. Paths answer with and without a trailing
// slash and never redirect, as Label Studio's
// CommonMiddlewareAppendSlashWithoutRedirect does.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = strings.TrimSuffix(p, "/") // one slash only: "//" stays unknown, as in Django
		u.RawPath = ""
		r2.URL = &u
		r = r2
	}
	defer s.recoverPanic(w, r)
	if err := s.persist.broken(); err != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		s.writeError(w, r, errNotSaved(err))
		return
	}
	s.router.ServeHTTP(w, r)
}

// recoverPanic turns a panic (a bug in the mock) into a logged error and
// a 400 in the envelope, so no client ever sees a 5xx or a dropped
// connection from labelhook.
func (s *Server) recoverPanic(w http.ResponseWriter, r *http.Request) {
	v := recover()
	if v == nil || v == http.ErrAbortHandler {
		if v != nil {
			panic(v)
		}
		return
	}
	s.log.Error("bug: handler panicked", "method", r.Method, "path", r.URL.Path, "panic", v, "stack", string(debug.Stack()))
	s.writeError(w, r, errBadRequest(fmt.Sprintf("labelhook could not handle this request (a bug in the mock, please report it): %v", v)))
}

// Close stops accepting async deliveries and waits, until ctx ends, for
// the queued ones to be delivered. What is left undelivered is logged.
func (s *Server) Close(ctx context.Context) error {
	err := s.out.close(ctx)
	s.out.send.closeIdle()
	if s.persist != nil { // set once by OpenState, before serving
		if perr := s.persist.close(s); perr != nil {
			err = errors.Join(err, fmt.Errorf("save state: %w", perr))
		}
	}
	return err
}

// Flush waits until every webhook emission queued so far has been
// delivered (async mode; in sync mode there is never anything queued), or
// until ctx ends. Tests and scenario runners use it to wait for the events
// an API call caused without guessing a time window.
func (s *Server) Flush(ctx context.Context) error {
	return s.out.flush(ctx)
}

// handlerFunc is a handler that reports failures as errors; handle turns
// them into Label Studio's error envelope.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// answer runs fn under the store lock (released even if fn panics), then
// makes the deliveries fn planned (outside the lock, so a receiver may
// call the API back) and answers fn's value with status. Label Studio
// also answers only after its synchronous deliveries.
func (s *Server) answer(w http.ResponseWriter, status int, fn func() (any, []delivery, error)) error {
	var (
		v    any
		ds   []delivery
		err  error
		seq  uint64
		serr error
	)
	func() {
		s.st.mu.Lock()
		defer s.st.mu.Unlock()
		v, ds, err = fn()
		// The counts of the tasks fn touched are settled now, by the
		// request that changed them, not by a later read.
		s.st.settle()
		seq, serr = s.record()
	}()
	if serr == nil {
		serr = s.durable(seq)
	}
	if serr != nil {
		return errNotSaved(serr)
	}
	if err != nil {
		return err
	}
	s.out.dispatch(ds)
	if _, empty := v.(emptyBody); empty || status == http.StatusNoContent {
		w.WriteHeader(status)
		return nil
	}
	writeJSON(w, status, v)
	return nil
}

// emptyBody is an answer with no body at all (DRF's Response()).
type emptyBody struct{}

// answerFor is answer for a request about one stored object: under the
// store's lock, find looks up the object whose id the path names (with
// none, find's not-found error is the answer) and fn answers with it.
func answerFor[T any](s *Server, w http.ResponseWriter, r *http.Request, status int, find func(*store, int) (T, error), fn func(st *store, x T) (any, []delivery, error)) error {
	return s.answer(w, status, func() (any, []delivery, error) {
		x, err := find(s.st, pathID(r, "id"))
		if err != nil {
			return nil, nil, err
		}
		return fn(s.st, x)
	})
}

// updateFor is answerFor for a request that sends a JSON object: the
// object is read first (a body that is not one is the answer), then fn
// answers with it and the object the path names. Updates and checks of
// one stored object take this shape.
func updateFor[T any](s *Server, w http.ResponseWriter, r *http.Request, find func(*store, int) (T, error), fn func(st *store, f form, x T) (any, []delivery, error)) error {
	f, err := s.readObject(w, r)
	if err != nil {
		return err
	}
	return answerFor(s, w, r, http.StatusOK, find, func(st *store, x T) (any, []delivery, error) {
		return fn(st, f, x)
	})
}

// pathID reads an integer route variable; the routes only match digits.
func pathID(r *http.Request, name string) int {
	n, _ := pyInt(mux.Vars(r)[name])
	return n
}
