package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const testToken = "test-token"

// apiEnv is a mock server running in-process on 127.0.0.1:0.
type apiEnv struct {
	t   *testing.T
	srv *Server
	url string
}

// mustNew is New for tests.
func mustNew(tb testing.TB, cfg Config) *Server {
	tb.Helper()
	s, err := New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// newAPI serves a mock with cfg (and the test token) until the test ends,
// then closes it.
func newAPI(t *testing.T, cfg Config) *apiEnv {
	t.Helper()
	e := newAPIUnclosed(t, cfg)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = e.srv.Close(ctx)
	})
	return e
}

// newAPIUnclosed is newAPI for the tests of Server.Close: its listener
// stops when the test ends, and the Server only when the test closes it.
func newAPIUnclosed(t *testing.T, cfg Config) *apiEnv {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = testToken
	}
	srv := mustNew(t, cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &apiEnv{t: t, srv: srv, url: ts.URL}
}

// call sends one authenticated request; body is JSON-encoded unless it is
// a string or []byte (sent as is).
func (e *apiEnv) call(method, path string, body any) (int, []byte) {
	e.t.Helper()
	return e.callHeader(method, path, body, http.Header{"Authorization": {"Token " + e.srv.cfg.Token}})
}

func (e *apiEnv) callHeader(method, path string, body any, h http.Header) (int, []byte) {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	req.Header = h.Clone()
	if rd != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, out
}

// must sends a request, checks its status and decodes the JSON answer.
func (e *apiEnv) must(method, path string, body any, want int) map[string]any {
	e.t.Helper()
	status, out := e.call(method, path, body)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, out)
	}
	if len(out) == 0 {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON object: %v: %s", method, path, err, out)
	}
	return m
}

// mustList is must for answers that are JSON arrays.
func (e *apiEnv) mustList(method, path string, body any, want int) []any {
	e.t.Helper()
	status, out := e.call(method, path, body)
	if status != want {
		e.t.Fatalf("%s %s: status %d, want %d; body %s", method, path, status, want, out)
	}
	var l []any
	if err := json.Unmarshal(out, &l); err != nil {
		e.t.Fatalf("%s %s: answer is not a JSON array: %v: %s", method, path, err, out)
	}
	return l
}

const textConfig = `<View><Text name="text" value="$text"/><Choices name="sentiment" toName="text"><Choice value="Positive"/><Choice value="Negative"/></Choices></View>`

// project creates a text-classification project and returns its id.
func (e *apiEnv) project(title string) int {
	e.t.Helper()
	p := e.must("POST", "/api/projects/", map[string]any{"title": title, "label_config": textConfig}, 201)
	return int(p["id"].(float64))
}

// importTasks imports n tasks into project and returns their ids.
func (e *apiEnv) importTasks(project, n int) []int {
	e.t.Helper()
	rows := make([]map[string]any, n)
	for i := range rows {
		rows[i] = map[string]any{"text": "task " + itoa(i)}
	}
	out := e.must("POST", "/api/projects/"+itoa(project)+"/import?return_task_ids=true", rows, 201)
	var ids []int
	for _, id := range out["task_ids"].([]any) {
		ids = append(ids, int(id.(float64)))
	}
	return ids
}

// hookOn registers a webhook on project (0 = organization level) with
// extra fields and returns its id.
func (e *apiEnv) hookOn(project int, url string, extra map[string]any) int {
	e.t.Helper()
	body := map[string]any{"url": url}
	if project != 0 {
		body["project"] = project
	}
	for k, v := range extra {
		body[k] = v
	}
	w := e.must("POST", "/api/webhooks/", body, 201)
	return int(w["id"].(float64))
}

// newHookedAPI is a mock with the default Config and one project whose
// active webhook posts to h.
func newHookedAPI(t *testing.T) (e *apiEnv, h *hookReceiver, projectID int) {
	t.Helper()
	h = newHookReceiver(t)
	e = newAPI(t, Config{})
	projectID, _ = hookedProject(t, e, h)
	return e, h, projectID
}

// newOrgHookedAPI is a mock with organization webhooks on, one project
// whose webhook posts to projHook, and an organization webhook that posts
// to orgHook.
func newOrgHookedAPI(t *testing.T) (e *apiEnv, projHook, orgHook *hookReceiver, projectID int) {
	t.Helper()
	projHook, orgHook = newHookReceiver(t), newHookReceiver(t)
	e = newAPI(t, Config{OrganizationWebhooks: true})
	projectID, _ = hookedProject(t, e, projHook)
	e.hookOn(0, orgHook.URL, nil)
	return e, projHook, orgHook, projectID
}

// hookedProject makes a project with an active project-level webhook
// (send_payload and send_for_all_actions true) and returns both ids.
func hookedProject(t *testing.T, e *apiEnv, h *hookReceiver) (projectID, hookID int) {
	t.Helper()
	pid := e.project("Facts project")
	return pid, e.hookOn(pid, h.URL, nil)
}

func itoa(n int) string { return strconv.Itoa(n) }

// received is one POST a test receiver got.
type received struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	At     time.Time
}

// Action returns the body's "action" value.
func (r received) Action() string {
	var m struct {
		Action string `json:"action"`
	}
	_ = json.Unmarshal(r.Body, &m)
	return m.Action
}

// JSON decodes the body into a map.
func (r received) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.Body)
	}
	return m
}

// hookReceiver is an in-test webhook endpoint that records every POST and
// answers with the status its respond func picks (200 by default).
type hookReceiver struct {
	URL string

	mu      sync.Mutex
	cond    *sync.Cond
	got     []received
	respond func(n int) (status int, delay time.Duration)
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	h := &hookReceiver{}
	h.cond = sync.NewCond(&h.mu)
	stop := make(chan struct{})
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, received{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body, At: time.Now()})
		n := len(h.got)
		respond := h.respond
		h.cond.Broadcast()
		h.mu.Unlock()
		status, delay := 200, time.Duration(0)
		if respond != nil {
			status, delay = respond(n)
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			case <-stop:
			}
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"ignored": true}`))
	}))
	t.Cleanup(func() {
		close(stop)
		ts.Close()
	})
	h.URL = ts.URL + "/hook"
	return h
}

// setRespond sets how the receiver answers its n-th request (1-based).
func (h *hookReceiver) setRespond(f func(n int) (int, time.Duration)) {
	h.mu.Lock()
	h.respond = f
	h.mu.Unlock()
}

// holdFirst makes the receiver hold its first request until release is
// called; every request is answered 200.
func (h *hookReceiver) holdFirst() (release func()) {
	ch := make(chan struct{})
	h.setRespond(func(n int) (int, time.Duration) {
		if n == 1 {
			<-ch
		}
		return 200, 0
	})
	return func() { close(ch) }
}

// all returns every request so far.
func (h *hookReceiver) all() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]received(nil), h.got...)
}

// take returns the requests so far and forgets them.
func (h *hookReceiver) take() []received {
	h.mu.Lock()
	defer h.mu.Unlock()
	got := h.got
	h.got = nil
	return got
}

// takeActions takes the requests so far (take) and fails the test unless
// their actions are want, in order.
func (h *hookReceiver) takeActions(t *testing.T, want ...string) []received {
	t.Helper()
	got := h.take()
	if diff := cmp.Diff(want, actions(got)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	return got
}

// takeNone takes the requests so far and fails the test if there were
// any; what names them in the failure.
func (h *hookReceiver) takeNone(t *testing.T, what string) {
	t.Helper()
	if got := h.take(); len(got) != 0 {
		t.Errorf("%s: got %v, want nothing", what, actions(got))
	}
}

// waitFor waits until at least n requests arrived or the deadline passes.
func (h *hookReceiver) waitFor(t *testing.T, n int, within time.Duration) []received {
	t.Helper()
	deadline := time.Now().Add(within)
	timer := time.AfterFunc(within, func() {
		h.mu.Lock()
		h.cond.Broadcast()
		h.mu.Unlock()
	})
	defer timer.Stop()
	h.mu.Lock()
	defer h.mu.Unlock()
	for len(h.got) < n && time.Now().Before(deadline) {
		h.cond.Wait()
	}
	if len(h.got) < n {
		t.Fatalf("got %d webhook requests within %s, want %d", len(h.got), within, n)
	}
	return append([]received(nil), h.got...)
}

// actions lists the actions of requests.
func actions(rs []received) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Action()
	}
	return out
}
