package inspector

import (
	"bytes"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assetFS embed.FS

// assets are the page's files by name (index.html, inspector.css, *.js).
var assets = mustAssets()

func mustAssets() map[string][]byte {
	out := map[string][]byte{}
	err := fs.WalkDir(assetFS, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assetFS.ReadFile(p)
		out[strings.TrimPrefix(p, "assets/")] = b
		return err
	})
	if err != nil {
		panic("inspector: read embedded assets: " + err.Error())
	}
	return out
}

// contentSecurityPolicy allows the page's own scripts, styles and API and
// nothing else: no inline script, no eval, no other origin. A body that
// slipped into the DOM as markup still could not run.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'"

// Page modes, set on <html data-mode>.
const (
	modeReceiver = "receiver"
	modeServer   = "server"
)

// static serves the page's files under base (which ends in "/"): base
// itself is index.html in the given mode.
type static struct {
	base  string
	index []byte
}

func newStatic(base, mode string) *static {
	index := bytes.ReplaceAll(assets["index.html"], []byte("{{base}}"), []byte(base))
	index = bytes.ReplaceAll(index, []byte("{{mode}}"), []byte(mode))
	return &static{base: base, index: index}
}

// serve answers GET and HEAD of name, a path below base ("" is the index).
func (s *static) serve(w http.ResponseWriter, r *http.Request, name string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, ctype := s.index, "text/html; charset=utf-8"
	if name != "" && name != "index.html" {
		b, ok := assets[name]
		if !ok || strings.Contains(name, "/") {
			http.NotFound(w, r)
			return
		}
		body, ctype = b, mime.TypeByExtension(path.Ext(name))
		if strings.HasSuffix(name, ".js") {
			ctype = "text/javascript; charset=utf-8" // whatever the machine's mime table says
		}
	}
	securityHeaders(w.Header())
	w.Header().Set("Content-Type", ctype)
	// The files change with the binary; revalidating costs a round trip on
	// loopback and never serves a stale script after an upgrade.
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(body) // the browser may be gone; nothing left to tell it
	}
}

// securityHeaders sets what every answer of the page carries.
func securityHeaders(h http.Header) {
	h.Set("Content-Security-Policy", contentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}
