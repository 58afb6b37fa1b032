package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/gorilla/mux"
)

// matchOf is what a mux router chooses for a request: the route's
// template (or none), the error (404 or 405) and the variables.
type matchOf struct {
	Template string
	Err      string
	Vars     map[string]string
}

func muxMatch(m *mux.Router, method, path string) matchOf {
	req := httptest.NewRequest(method, "http://x/", nil)
	req.URL.Path = path
	var rm mux.RouteMatch
	m.Match(req, &rm)
	var got matchOf
	if rm.Route != nil {
		got.Template, _ = rm.Route.GetPathTemplate()
	}
	if rm.MatchErr != nil {
		got.Err = rm.MatchErr.Error()
	}
	if len(rm.Vars) > 0 {
		got.Vars = rm.Vars
	}
	return got
}

// allRoutes is the router of every route of the real table, and the
// table's router.
func allRoutes(t testing.TB) (*mux.Router, *router) {
	t.Helper()
	s := mustNew(t, Config{Token: testToken})
	var all routeSet
	for i := range s.router.defs {
		all[i/64] |= 1 << (i % 64)
	}
	return s.router.build(all), s.router
}

// routePaths are paths made from every template: as it is, with ids,
// with a segment more or less, with a letter added, and some that no
// route has.
func routePaths(rt *router) []string {
	paths := []string{"", "/", "/api", "/api/", "//", "/api//projects", "/API/projects", "/health/x", "/_labelhook", "/_labelhook/ui"}
	for _, d := range rt.defs {
		p := strings.NewReplacer("{id:[0-9]+}", "12", "{export:[0-9]+}", "3").Replace(d.template)
		paths = append(paths, p, p+"x", p+"/", p+"/x", p+"/7", strings.TrimSuffix(p, "12")+"abc", d.literal, d.literal+"x", d.template)
		if i := strings.LastIndex(p, "/"); i > 0 {
			paths = append(paths, p[:i])
		}
	}
	return paths
}

var routeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions, "PROPFIND"}

// TestRouterMatchesOneMux: for every method on paths made from every
// route, the router hands the request to the route (or the 404 or 405)
// that one mux router holding every route in order chooses.
func TestRouterMatchesOneMux(t *testing.T) {
	full, rt := allRoutes(t)
	paths := routePaths(rt)
	if len(paths) < 500 {
		t.Fatalf("only %d paths from %d routes", len(paths), len(rt.defs))
	}
	var found, notAllowed int
	for _, p := range paths {
		for _, m := range routeMethods {
			want := muxMatch(full, m, p)
			got := muxMatch(rt.muxFor(p), m, p)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s %s (-one mux +router):\n%s", m, p, diff)
			}
			switch want.Err {
			case "":
				found++
			case mux.ErrMethodMismatch.Error():
				notAllowed++
			}
		}
	}
	// The paths reach routes, 405s and 404s alike.
	if found < len(rt.defs) || notAllowed == 0 || found+notAllowed == len(paths)*len(routeMethods) {
		t.Errorf("%d matched, %d not allowed of %d requests: the paths miss a case", found, notAllowed, len(paths)*len(routeMethods))
	}
}

// FuzzRouterMatchesOneMux is TestRouterMatchesOneMux on any path.
func FuzzRouterMatchesOneMux(f *testing.F) {
	full, rt := allRoutes(f)
	for _, p := range routePaths(rt) {
		f.Add(uint8(0), p)
	}
	f.Fuzz(func(t *testing.T, method uint8, path string) {
		m := routeMethods[int(method)%len(routeMethods)]
		want := muxMatch(full, m, path)
		if got := muxMatch(rt.muxFor(path), m, path); !cmp.Equal(want, got) {
			t.Fatalf("%s %q: one mux %+v, router %+v", m, path, want, got)
		}
	})
}

// TestRoutersBuiltWhileServing: a router is built while another one
// serves (as a path's first request does); run with -race.
func TestRoutersBuiltWhileServing(t *testing.T) {
	full, rt := allRoutes(t)
	paths := routePaths(rt)
	var all routeSet
	for i := range rt.defs {
		all[i/64] |= 1 << (i % 64)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 3 {
			rt.build(all)
		}
	})
	for i, p := range paths {
		muxMatch(full, routeMethods[i%len(routeMethods)], p)
	}
	wg.Wait()
}
