package inspector

import (
	"net/http"
	"strings"
)

// ServerPagePath is where `labelhook serve` mounts the page.
const ServerPagePath = "/_labelhook/ui"

// ServerPage returns the mock's page, for requests whose path starts with
// ServerPagePath. It serves only the static page: the page reads
// /api/webhooks, /api/projects and /_labelhook/deliveries itself, with the
// token the user enters, so the mock's own auth guards every datum and the
// page needs none. The mock strips one trailing slash before routing, so
// "/_labelhook/ui" is the index too; the page's <base> keeps its relative
// URLs right either way.
func ServerPage() http.Handler {
	st := newStatic(ServerPagePath+"/", modeServer)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, ServerPagePath)
		if !ok || (name != "" && !strings.HasPrefix(name, "/")) {
			http.NotFound(w, r)
			return
		}
		st.serve(w, r, strings.TrimPrefix(name, "/"))
	})
}
