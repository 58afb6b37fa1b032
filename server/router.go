package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/gorilla/mux"
)

// router dispatches a request exactly as one gorilla/mux router holding
// every route in registration order would, but without trying every
// route's regexp in turn (about 50 before the annotation POST, a tenth of
// that request's handling). A route can match only a path that starts
// with its template's literal start (the text before its first variable,
// which mux's regexp quotes), and a route whose path does not match
// leaves no trace in mux's choice: it fails before its method is looked
// at, so it neither picks a handler nor turns a 404 into a 405. So the
// routes whose literal start a path has, in their order, choose what all
// of them would. A mux router is built for each such set the first time a
// path needs it and kept (there are at most as many sets as routes).
type router struct {
	defs       []routeDef
	notFound   http.Handler
	notAllowed http.Handler
	built      sync.Map // routeSet -> *mux.Router
}

// maxRoutes bounds the route table (routeSet's bits).
const maxRoutes = 256

// routeSet has bit i set for defs[i].
type routeSet [maxRoutes / 64]uint64

type routeDef struct {
	template string // mux's path template
	prefix   bool   // a PathPrefix route, else a whole path
	literal  string // template up to its first variable
	methods  []string
	h        http.Handler
}

// handle registers h for the path template and methods, after every
// route registered before it.
func (rt *router) handle(template string, h http.Handler, methods ...string) {
	rt.add(routeDef{template: template, methods: methods, h: h})
}

// handlePrefix registers h for every path under prefix, as mux's
// PathPrefix.
func (rt *router) handlePrefix(prefix string, h http.Handler, methods ...string) {
	rt.add(routeDef{template: prefix, prefix: true, methods: methods, h: h})
}

func (rt *router) add(d routeDef) {
	if len(rt.defs) == maxRoutes {
		panic(fmt.Sprintf("server: more than %d routes", maxRoutes))
	}
	d.literal, _, _ = strings.Cut(d.template, "{")
	rt.defs = append(rt.defs, d)
}

// check builds the router of every route once, so that a bad template
// fails at start, not on the first request that reaches it.
func (rt *router) check() error {
	var all routeSet
	for i := range rt.defs {
		all[i/64] |= 1 << (i % 64)
	}
	m := rt.build(all)
	rt.built.Store(all, m)
	var err error
	_ = m.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		if e := route.GetError(); e != nil && err == nil {
			err = e
		}
		return nil
	})
	return err
}

func (rt *router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt.muxFor(r.URL.Path).ServeHTTP(w, r)
}

// muxFor returns the router of the routes that can match path.
func (rt *router) muxFor(path string) *mux.Router {
	var set routeSet
	for i := range rt.defs {
		if strings.HasPrefix(path, rt.defs[i].literal) {
			set[i/64] |= 1 << (i % 64)
		}
	}
	m, ok := rt.built.Load(set)
	if !ok {
		m, _ = rt.built.LoadOrStore(set, rt.build(set))
	}
	return m.(*mux.Router)
}

// build makes a mux router of the routes in set, in their order.
func (rt *router) build(set routeSet) *mux.Router {
	m := mux.NewRouter()
	m.SkipClean(true) // cleaning would redirect; Label Studio never does
	m.NotFoundHandler = rt.notFound
	m.MethodNotAllowedHandler = rt.notAllowed
	for i, d := range rt.defs {
		if set[i/64]&(1<<(i%64)) == 0 {
			continue
		}
		// A copy of the methods: mux upper-cases them in place and keeps
		// the slice, and routers are built while others serve.
		methods := slices.Clone(d.methods)
		if d.prefix {
			m.PathPrefix(d.template).Handler(d.h).Methods(methods...)
		} else {
			m.Handle(d.template, d.h).Methods(methods...)
		}
	}
	return m
}
