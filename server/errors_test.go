package server

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// uuid4RE matches a lower-case RFC 4122 version 4 UUID.
var uuid4RE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// errEnvelope is Label Studio's error body, decoded.
type errEnvelope struct {
	ID               string      `json:"id"`
	StatusCode       int         `json:"status_code"`
	Version          string      `json:"version"`
	Detail           string      `json:"detail"`
	ExcInfo          any         `json:"exc_info"`
	ValidationErrors fieldErrors `json:"validation_errors"`
}

// fieldErrors reads validation_errors, flattening a list field's errors
// ({"actions": {"0": [...]}}) to keys "actions.0"; a field whose error is
// a bare string (Label Studio's int_from_request) reads as one message.
type fieldErrors map[string][]string

func (f *fieldErrors) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*f = fieldErrors{}
	for k, v := range raw {
		var msgs []string
		if json.Unmarshal(v, &msgs) == nil {
			(*f)[k] = msgs
			continue
		}
		var msg string
		if json.Unmarshal(v, &msg) == nil {
			(*f)[k] = []string{msg}
			continue
		}
		var items map[string][]string
		if err := json.Unmarshal(v, &items); err != nil {
			return err
		}
		for i, m := range items {
			(*f)[k+"."+i] = m
		}
	}
	return nil
}

// mustEnvelope checks that an answer has status want and is the error
// envelope: keys id, status_code, version, detail, exc_info in that order,
// plus validation_errors exactly on 400 "Validation error"; id a UUID4;
// status_code the HTTP status; version the mock's; exc_info null.
func mustEnvelope(t *testing.T, what string, status int, body []byte, want int) errEnvelope {
	t.Helper()
	if status != want {
		t.Fatalf("%s: status %d, want %d; body %s", what, status, want, body)
	}
	var env errEnvelope
	if err := json.Unmarshal(body, &env); err != nil {
		t.Fatalf("%s: body is not an error envelope: %v: %s", what, err, body)
	}
	wantKeys := []string{"id", "status_code", "version", "detail", "exc_info"}
	if status == http.StatusBadRequest && env.Detail == "Validation error" {
		wantKeys = append(wantKeys, "validation_errors")
	}
	if diff := cmp.Diff(wantKeys, objectKeyOrder(t, body)); diff != "" {
		t.Errorf("%s: envelope keys (-want +got):\n%s\nbody %s", what, diff, body)
	}
	if !uuid4RE.MatchString(env.ID) {
		t.Errorf("%s: id %q is not a UUID4", what, env.ID)
	}
	if env.StatusCode != status {
		t.Errorf("%s: status_code %d, HTTP status %d", what, env.StatusCode, status)
	}
	if env.Version != DefaultVersion {
		t.Errorf("%s: version %q, want %q", what, env.Version, DefaultVersion)
	}
	if env.ExcInfo != nil {
		t.Errorf("%s: exc_info %v, want null", what, env.ExcInfo)
	}
	if env.Detail == "" {
		t.Errorf("%s: empty detail", what)
	}
	return env
}

// objectKeyOrder returns the top-level keys of a JSON object in the order
// they were written.
func objectKeyOrder(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", body)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatalf("read key: %v: %s", err, body)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatalf("read value of %v: %v: %s", k, err, body)
		}
	}
	return keys
}

// fixture holds one object of every kind, for tests that need ids.
type fixture struct {
	project, task, annotation, prediction, view, webhook int
}

// makeFixture creates a project with one task, annotation, prediction,
// Data Manager view and project-level webhook (to an unused local port:
// deliveries fail fast and are not the test's concern).
func makeFixture(e *apiEnv) fixture {
	e.t.Helper()
	var fx fixture
	fx.project = e.project("Fixture project")
	fx.task = e.importTasks(fx.project, 1)[0]
	a := e.must("POST", "/api/tasks/"+itoa(fx.task)+"/annotations", map[string]any{"result": []any{}}, 201)
	fx.annotation = int(a["id"].(float64))
	p := e.must("POST", "/api/predictions", map[string]any{"task": fx.task, "result": []any{}, "score": 0.5}, 201)
	fx.prediction = int(p["id"].(float64))
	v := e.must("POST", "/api/dm/views", map[string]any{"project": fx.project, "data": map[string]any{"title": "v"}}, 201)
	fx.view = int(v["id"].(float64))
	fx.webhook = e.hookOn(fx.project, "http://127.0.0.1:1/hook", map[string]any{"is_active": false})
	return fx
}

// expand replaces {project}, {task}, {annotation}, {prediction}, {view}
// and {webhook} in a path.
func (fx fixture) expand(path string) string {
	return strings.NewReplacer(
		"{project}", itoa(fx.project), "{task}", itoa(fx.task), "{annotation}", itoa(fx.annotation),
		"{prediction}", itoa(fx.prediction), "{view}", itoa(fx.view), "{webhook}", itoa(fx.webhook),
	).Replace(path)
}

func tokenHeader(token string) http.Header {
	return http.Header{"Authorization": {"Token " + token}}
}

func bearerHeader(token string) http.Header {
	return http.Header{"Authorization": {"Bearer " + token}}
}

func TestErrorEnvelopeShape(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Envelope")
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		want       int
		wantDetail string
		wantFields map[string][]string
	}{
		{"not found", "GET", "/api/projects/999", nil, 404, "No Project matches the given query.", nil},
		{"invalid page", "GET", "/api/projects?page=5", nil, 404, "Invalid page.", nil},
		{"validation", "POST", "/api/projects", map[string]any{"title": "ab"}, 400, "Validation error",
			map[string][]string{"title": {"Ensure this field has at least 3 characters."}}},
		{"list-shaped validation", "POST", "/api/webhooks", map[string]any{"url": "http://example.com/", "project": pid, "actions": []string{"PROJECT_CREATED"}},
			400, "Validation error", map[string][]string{"non_field_errors": {"Project webhook can't contain organization-only action."}}},
		{"unknown route", "GET", "/api/no-such-thing", nil, 404, "Not found.", nil},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call(tc.method, tc.path, tc.body)
			env := mustEnvelope(t, tc.method+" "+tc.path, status, body, tc.want)
			if env.Detail != tc.wantDetail {
				t.Errorf("%s %s: detail %q, want %q", tc.method, tc.path, env.Detail, tc.wantDetail)
			}
			if diff := cmp.Diff(tc.wantFields, map[string][]string(env.ValidationErrors)); diff != "" {
				t.Errorf("%s %s body %v: validation_errors (-want +got):\n%s", tc.method, tc.path, tc.body, diff)
			}
			if seen[env.ID] {
				t.Errorf("error id %s repeated: each error needs a fresh UUID4", env.ID)
			}
			seen[env.ID] = true
		})
	}
}

func TestErrorIDComesFromConfig(t *testing.T) {
	const id = "00000000-0000-4000-8000-000000000001"
	e := newAPI(t, Config{NewUUID: func() string { return id }})
	status, body := e.call("GET", "/api/tasks/12345", nil)
	env := mustEnvelope(t, "GET /api/tasks/12345", status, body, 404)
	if env.ID != id {
		t.Errorf("id %q, want Config.NewUUID's %q", env.ID, id)
	}
}

func TestUnauthenticated(t *testing.T) {
	e := newAPI(t, Config{})
	tests := []struct {
		name       string
		header     http.Header
		wantDetail string
	}{
		{"no header", http.Header{}, "Authentication credentials were not provided."},
		{"wrong token", tokenHeader("not-the-token"), "Invalid token."},
		{"wrong bearer", bearerHeader("not-the-token"), "Invalid token."},
		{"token with extra text", tokenHeader(testToken + "x"), "Invalid token."},
		{"bearer garbage JWT", bearerHeader("a.b.c"), "Invalid token."},
		{"refresh JWT used as bearer", bearerHeader(RefreshToken(testToken)), "Invalid token."},
		{"JWT of another server", bearerHeader(RefreshToken("other")), "Invalid token."},
	}
	paths := []struct{ method, path string }{
		{"GET", "/api/projects"}, {"GET", "/api/version"}, {"POST", "/api/projects/"}, {"GET", "/api/tasks/1"},
		{"DELETE", "/api/projects/1/"}, {"GET", "/api/webhooks"}, {"POST", "/api/dm/actions?id=delete_tasks&project=1"},
		{"GET", "/api/current-user/whoami"},
	}
	for _, tc := range tests {
		for _, p := range paths {
			t.Run(tc.name+"/"+p.method+p.path, func(t *testing.T) {
				status, body, hdr := rawCall(t, e, p.method, p.path, `{"title": "xyz"}`, tc.header)
				env := mustEnvelope(t, fmt.Sprintf("%s %s with %v", p.method, p.path, tc.header), status, body, http.StatusUnauthorized)
				if env.Detail != tc.wantDetail {
					t.Errorf("detail %q, want %q", env.Detail, tc.wantDetail)
				}
				if got := hdr.Get("WWW-Authenticate"); got != "Token" {
					t.Errorf("WWW-Authenticate %q, want %q", got, "Token")
				}
			})
		}
	}
	// Nothing was created by the rejected POST.
	if l := e.must("GET", "/api/projects", nil, 200); l["count"].(float64) != 0 {
		t.Errorf("rejected requests created projects: %v", l)
	}
}

// rawCall is callHeader that also returns the response headers.
func rawCall(t *testing.T, e *apiEnv, method, path, body string, h http.Header) (int, []byte, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp.StatusCode, buf.Bytes(), resp.Header
}

func TestAuthenticatedSchemes(t *testing.T) {
	e := newAPI(t, Config{})
	tests := []struct {
		name   string
		header http.Header
	}{
		{"legacy token", tokenHeader(testToken)},
		{"token keyword any case", http.Header{"Authorization": {"token " + testToken}}},
		{"bearer with the plain token (labelhook deviation)", bearerHeader(testToken)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.callHeader("GET", "/api/projects/", nil, tc.header)
			if status != http.StatusOK {
				t.Errorf("GET /api/projects/ with %v: status %d, want 200; body %s", tc.header, status, body)
			}
		})
	}
}

func TestOpenRoutesNeedNoCredentials(t *testing.T) {
	e := newAPI(t, Config{})
	tests := []struct {
		name   string
		path   string
		header http.Header
	}{
		{"health without header", "/health", http.Header{}},
		{"health ignores a bad token", "/health", tokenHeader("wrong")},
		{"health with the token", "/health/", tokenHeader(testToken)},
		{"webhook info without header", "/api/webhooks/info/", http.Header{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.callHeader("GET", tc.path, nil, tc.header)
			if status != http.StatusOK {
				t.Errorf("GET %s with %v: status %d, want 200; body %s", tc.path, tc.header, status, body)
			}
		})
	}
}

// jwtClaims decodes a JWT's payload without checking the signature, as
// the new SDK does with PyJWT.
func jwtClaims(t *testing.T, tok string) map[string]any {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("%q is not a JWT (want 3 dot-separated parts)", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("JWT payload is not base64url: %v", err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatalf("JWT payload is not JSON: %v: %s", err, raw)
	}
	return c
}

// manualClock is a clock a test moves by hand.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func TestTokenRefreshFlow(t *testing.T) {
	clock := &manualClock{now: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	e := newAPI(t, Config{Now: clock.Now})
	pat := RefreshToken(testToken)
	if c := jwtClaims(t, pat); c["token_type"] != "refresh" || c["exp"] == nil {
		t.Fatalf("RefreshToken claims %v: want token_type refresh and an exp", c)
	}

	for _, path := range []string{"/api/token/refresh/", "/api/token/refresh"} {
		status, body := e.callHeader("POST", path, map[string]any{"refresh": pat}, http.Header{})
		if status != http.StatusOK {
			t.Fatalf("POST %s: status %d, want 200; body %s", path, status, body)
		}
		if diff := cmp.Diff([]string{"access"}, objectKeyOrder(t, body)); diff != "" {
			t.Errorf("POST %s: keys (-want +got):\n%s", path, diff)
		}
	}
	_, body := e.callHeader("POST", "/api/token/refresh/", map[string]any{"refresh": pat}, http.Header{})
	var out struct{ Access string }
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	c := jwtClaims(t, out.Access)
	wantExp := float64(clock.Now().Add(5 * time.Minute).Unix())
	if c["exp"] != wantExp {
		t.Errorf("access exp %v, want now+5min = %v", c["exp"], wantExp)
	}
	if c["token_type"] != "access" {
		t.Errorf("access token_type %v, want access", c["token_type"])
	}

	if status, body := e.callHeader("GET", "/api/projects/", nil, bearerHeader(out.Access)); status != http.StatusOK {
		t.Fatalf("Bearer <access>: status %d, want 200; body %s", status, body)
	}
	// An access token is not a refresh token.
	status, body := e.callHeader("POST", "/api/token/refresh/", map[string]any{"refresh": out.Access}, http.Header{})
	mustEnvelope(t, "refresh with an access token", status, body, http.StatusUnauthorized)

	clock.Advance(5*time.Minute + time.Second)
	status, body = e.callHeader("GET", "/api/projects/", nil, bearerHeader(out.Access))
	if env := mustEnvelope(t, "expired access token", status, body, http.StatusUnauthorized); env.Detail != "Invalid token." {
		t.Errorf("expired access token: detail %q, want %q", env.Detail, "Invalid token.")
	}
	// The PAT still refreshes, and the new access token works.
	_, body = e.callHeader("POST", "/api/token/refresh/", map[string]any{"refresh": pat}, http.Header{})
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	if status, body := e.callHeader("GET", "/api/projects/", nil, bearerHeader(out.Access)); status != http.StatusOK {
		t.Errorf("Bearer <new access>: status %d, want 200; body %s", status, body)
	}
}

func TestTokenRefreshRejects(t *testing.T) {
	e := newAPI(t, Config{})
	tests := []struct {
		name       string
		body       any
		want       int
		wantFields map[string][]string
	}{
		{"garbage refresh", map[string]any{"refresh": "not-a-jwt"}, 401, nil},
		{"refresh of another server", map[string]any{"refresh": RefreshToken("another-token")}, 401, nil},
		{"the plain token", map[string]any{"refresh": testToken}, 401, nil},
		{"missing refresh", map[string]any{}, 400, map[string][]string{"refresh": {"This field is required."}}},
		{"null refresh", map[string]any{"refresh": nil}, 400, map[string][]string{"refresh": {"This field may not be null."}}},
		{"body not an object", `["x"]`, 400, map[string][]string{"non_field_errors": {"Invalid data. Expected a dictionary, but got list."}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.callHeader("POST", "/api/token/refresh/", tc.body, http.Header{})
			env := mustEnvelope(t, fmt.Sprintf("POST /api/token/refresh/ %v", tc.body), status, body, tc.want)
			if diff := cmp.Diff(tc.wantFields, map[string][]string(env.ValidationErrors)); diff != "" {
				t.Errorf("body %v: validation_errors (-want +got):\n%s", tc.body, diff)
			}
		})
	}
}

func TestNotFoundForUnknownIDs(t *testing.T) {
	e := newAPI(t, Config{})
	fx := makeFixture(e)
	tests := []struct {
		method, path string
		body         any
		wantDetail   string
	}{
		{"GET", "/api/projects/999", nil, "No Project matches the given query."},
		{"PATCH", "/api/projects/999", map[string]any{"title": "New title"}, "No Project matches the given query."},
		{"PUT", "/api/projects/999", map[string]any{"title": "New title"}, "No Project matches the given query."},
		{"DELETE", "/api/projects/999", nil, "No Project matches the given query."},
		{"POST", "/api/projects/999/import", []any{map[string]any{"text": "a"}}, "No Project matches the given query."},
		{"POST", "/api/projects/999/import/predictions", []any{}, "No Project matches the given query."},
		{"GET", "/api/projects/999/tasks", nil, "No Project matches the given query."},
		{"POST", "/api/projects/999/tasks", map[string]any{"data": map[string]any{"text": "a"}}, "No Project matches the given query."},
		{"DELETE", "/api/projects/999/tasks", nil, "No Project matches the given query."},
		{"GET", "/api/projects/999/export", nil, "No Project matches the given query."},
		{"GET", "/api/projects/999/model-versions", nil, "No Project matches the given query."},
		{"GET", "/api/tasks/999", nil, "No Task matches the given query."},
		{"PATCH", "/api/tasks/999", map[string]any{"meta": map[string]any{}}, "No Task matches the given query."},
		{"DELETE", "/api/tasks/999", nil, "No Task matches the given query."},
		{"GET", "/api/tasks/999/annotations", nil, "No Task matches the given query."},
		{"POST", "/api/tasks/999/annotations", map[string]any{"result": []any{}}, "No Task matches the given query."},
		{"GET", "/api/tasks?project=999", nil, "No Project matches the given query."},
		{"GET", "/api/annotations/999", nil, "No Annotation matches the given query."},
		{"PATCH", "/api/annotations/999", map[string]any{"lead_time": 1}, "No Annotation matches the given query."},
		{"DELETE", "/api/annotations/999", nil, "No Annotation matches the given query."},
		{"GET", "/api/predictions/999", nil, "No Prediction matches the given query."},
		{"PATCH", "/api/predictions/999", map[string]any{"score": 1}, "No Prediction matches the given query."},
		{"DELETE", "/api/predictions/999", nil, "No Prediction matches the given query."},
		{"GET", "/api/dm/views/999", nil, "No View matches the given query."},
		{"DELETE", "/api/dm/views/999", nil, "No View matches the given query."},
		{"GET", "/api/webhooks/999", nil, "No Webhook matches the given query."},
		{"PATCH", "/api/webhooks/999", map[string]any{"is_active": true}, "No Webhook matches the given query."},
		{"PUT", "/api/webhooks/999", map[string]any{"url": "http://example.com/"}, "No Webhook matches the given query."},
		{"DELETE", "/api/webhooks/999", nil, "No Webhook matches the given query."},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			status, body := e.call(tc.method, tc.path, tc.body)
			env := mustEnvelope(t, tc.method+" "+tc.path, status, body, http.StatusNotFound)
			if env.Detail != tc.wantDetail {
				t.Errorf("%s %s: detail %q, want %q", tc.method, tc.path, env.Detail, tc.wantDetail)
			}
		})
	}
	// The fixture is intact: the 404s touched nothing.
	for _, p := range []string{"/api/projects/{project}", "/api/tasks/{task}", "/api/annotations/{annotation}",
		"/api/predictions/{prediction}", "/api/dm/views/{view}", "/api/webhooks/{webhook}"} {
		e.must("GET", fx.expand(p), nil, 200)
	}
}

func TestInvalidPage(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Pages")
	e.importTasks(pid, 3)
	tests := []struct {
		path string
		want int
	}{
		{"/api/projects?page=1", 200},
		{"/api/projects?page=2", 404},
		{"/api/projects?page=0", 404},
		{"/api/projects?page=-1", 404},
		{"/api/projects?page=abc", 404},
		{"/api/projects?page=99999999999999999999999", 404},
		{"/api/tasks?project=" + itoa(pid) + "&page=1", 200},
		{"/api/tasks?project=" + itoa(pid) + "&page=2", 404},
		{"/api/tasks?project=" + itoa(pid) + "&page=2&page_size=2", 200},
		{"/api/tasks?project=" + itoa(pid) + "&page=3&page_size=2", 404},
		{"/api/tasks?project=" + itoa(pid) + "&page=0", 404},
		{"/api/tasks?project=" + itoa(pid) + "&page=x", 404},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			status, body := e.call("GET", tc.path, nil)
			if tc.want == 200 {
				if status != 200 {
					t.Errorf("GET %s: status %d, want 200; body %s", tc.path, status, body)
				}
				return
			}
			env := mustEnvelope(t, "GET "+tc.path, status, body, tc.want)
			if env.Detail != "Invalid page." {
				t.Errorf("GET %s: detail %q, want %q", tc.path, env.Detail, "Invalid page.")
			}
		})
	}
}

func TestBadBodies(t *testing.T) {
	e := newAPI(t, Config{})
	fx := makeFixture(e)
	type row struct {
		name       string
		method     string
		path       string
		body       string
		wantFields []string // the validation_errors keys; nil for a parse error
	}
	tests := []row{
		{"malformed JSON project", "POST", "/api/projects", `{"title": `, nil},
		{"malformed JSON task", "POST", "/api/tasks", `{"project": 1,}`, nil},
		{"malformed JSON import", "POST", "/api/projects/{project}/import", `[{"text": "a"}`, nil},
		{"malformed JSON webhook", "POST", "/api/webhooks", `{url: "x"}`, nil},
		{"malformed JSON patch", "PATCH", "/api/tasks/{task}", `{"meta": {]}`, nil},
		{"trailing garbage", "POST", "/api/projects", `{"title": "abc"} x`, nil},
		{"invalid UTF-8", "POST", "/api/projects", "{\"title\": \"\xff\xfe\"}", nil},
		{"project wrong types", "POST", "/api/projects", `{"title": "Good title", "show_instruction": "maybe", "maximum_annotations": "many", "color": {}}`,
			[]string{"color", "maximum_annotations", "show_instruction"}},
		{"project update wrong types", "PATCH", "/api/projects/{project}", `{"sampling": "Random", "is_draft": [], "pinned_at": "yesterday"}`,
			[]string{"is_draft", "pinned_at", "sampling"}},
		{"task wrong types", "POST", "/api/tasks", `{"project": "abc", "data": 5, "meta": []}`, []string{"data", "meta", "project"}},
		{"task missing fields", "POST", "/api/tasks", `{}`, []string{"data", "project"}},
		{"task update wrong types", "PATCH", "/api/tasks/{task}", `{"data": "x", "overlap": "two", "is_labeled": 3}`, []string{"data", "is_labeled", "overlap"}},
		{"annotation wrong types", "POST", "/api/tasks/{task}/annotations", `{"result": "x", "was_cancelled": "perhaps", "lead_time": "slow"}`,
			[]string{"lead_time", "result", "was_cancelled"}},
		{"prediction wrong types", "POST", "/api/predictions", `{"task": "abc", "score": "high", "model_version": {}}`,
			[]string{"model_version", "result", "score", "task"}},
		{"prediction missing task", "POST", "/api/predictions", `{"result": []}`, []string{"task"}},
		{"webhook wrong types", "POST", "/api/webhooks", `{"url": true, "send_payload": "sometimes", "is_active": null, "actions": "TASKS_CREATED"}`,
			[]string{"actions", "is_active", "send_payload", "url"}},
		{"view wrong types", "POST", "/api/dm/views", `{"project": {project}, "data": 5}`, []string{"data"}},
		{"project body is a list", "POST", "/api/projects", `[{"title": "abc"}]`, []string{"non_field_errors"}},
		{"project body is a string", "POST", "/api/projects", `"abc"`, []string{"non_field_errors"}},
		{"task update body is a number", "PATCH", "/api/tasks/{task}", `5`, []string{"non_field_errors"}},
		{"annotation body is null", "POST", "/api/tasks/{task}/annotations", `null`, []string{"non_field_errors"}},
		{"webhook body is a list", "POST", "/api/webhooks", `[]`, []string{"non_field_errors"}},
		{"prediction body is true", "POST", "/api/predictions", `true`, []string{"non_field_errors"}},
		{"import body is a number", "POST", "/api/projects/{project}/import", `5`, []string{"non_field_errors"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := fx.expand(tc.path)
			body := fx.expand(tc.body)
			status, out := e.call(tc.method, path, body)
			env := mustEnvelope(t, fmt.Sprintf("%s %s %s", tc.method, path, body), status, out, http.StatusBadRequest)
			var got []string
			for k := range env.ValidationErrors {
				got = append(got, k)
			}
			slices.Sort(got)
			if diff := cmp.Diff(tc.wantFields, got); diff != "" {
				t.Errorf("%s %s %s: validation_errors keys (-want +got):\n%s\nbody %s", tc.method, path, body, diff, out)
			}
			if tc.wantFields == nil && !strings.HasPrefix(env.Detail, "JSON parse error") {
				t.Errorf("%s %s %s: detail %q, want a \"JSON parse error\" detail", tc.method, path, body, env.Detail)
			}
		})
	}
	// Nothing was created or changed.
	if l := e.must("GET", "/api/projects", nil, 200); l["count"].(float64) != 1 {
		t.Errorf("projects after rejected bodies: %v, want only the fixture", l["count"])
	}
	task := e.must("GET", fx.expand("/api/tasks/{task}"), nil, 200)
	if task["overlap"].(float64) != 1 || task["is_labeled"] != true {
		t.Errorf("task changed by rejected PATCHes: %v", task)
	}
	if l := e.mustList("GET", "/api/webhooks", nil, 200); len(l) != 1 {
		t.Errorf("webhooks after rejected bodies: %d, want 1", len(l))
	}
}

func TestOversizeBody(t *testing.T) {
	e := newAPI(t, Config{MaxBodyBytes: 64})
	big := `{"title": "` + strings.Repeat("x", 200) + `"}`
	tests := []struct{ method, path string }{
		{"POST", "/api/projects"},
		{"POST", "/api/tasks"},
		{"POST", "/api/webhooks"},
		{"POST", "/api/projects/1/import"},
		{"POST", "/api/token/refresh/"},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			status, body := e.call(tc.method, tc.path, big)
			mustEnvelope(t, tc.method+" "+tc.path+" with a 211-byte body", status, body, http.StatusRequestEntityTooLarge)
		})
	}
	// A body within the limit still works.
	e.must("POST", "/api/projects", `{"title": "Small"}`, 201)
	if l := e.must("GET", "/api/projects", nil, 200); l["count"].(float64) != 1 {
		t.Errorf("projects: %v, want only the small one", l["count"])
	}
}

func TestMethodNotAllowed(t *testing.T) {
	e := newAPI(t, Config{})
	fx := makeFixture(e)
	tests := []struct{ method, path string }{
		{"DELETE", "/api/projects"},
		{"PUT", "/api/projects/"},
		{"POST", "/api/projects/{project}"},
		{"GET", "/api/projects/{project}/import"},
		{"PATCH", "/api/tasks"},
		{"POST", "/api/tasks/{task}"},
		{"PUT", "/api/tasks/{task}/annotations"},
		{"POST", "/api/annotations/{annotation}/"},
		{"DELETE", "/api/predictions"},
		{"POST", "/api/webhooks/{webhook}"},
		{"DELETE", "/api/webhooks"},
		{"POST", "/api/version"},
		{"POST", "/api/projects/{project}/export"},
		{"GET", "/api/token/refresh/"},
		{"POST", "/api/webhooks/info"},
		{"DELETE", "/api/dm/actions"},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.path, func(t *testing.T) {
			path := fx.expand(tc.path)
			status, body := e.call(tc.method, path, nil)
			env := mustEnvelope(t, tc.method+" "+path, status, body, http.StatusMethodNotAllowed)
			if want := fmt.Sprintf("Method %q not allowed.", tc.method); env.Detail != want {
				t.Errorf("%s %s: detail %q, want %q", tc.method, path, env.Detail, want)
			}
		})
	}
}

// TestDMActionTargetErrorsUseTheEnvelope: /api/dm/actions checks its
// project and view before the action, with the envelope, as Label Studio
// 1.23.2 answers (each case was sent to it).
func TestDMActionTargetErrorsUseTheEnvelope(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Targets")
	e.importTasks(pid, 2)
	sel := `{"selectedItems": {"all": false, "included": []}}`
	digits := func(key, v string) map[string]string {
		return map[string]string{key: `Incorrect value in key "` + key + `" = "` + v + `". It should be digit string.`}
	}
	tests := []struct {
		method, query string
		want          int
		detail        string
		validation    map[string]string // a bare string per field
	}{
		{"POST", "?id=delete_tasks&project=999", 404, "No Project matches the given query.", nil},
		{"POST", "?id=delete_tasks", 404, "No Project matches the given query.", nil},
		{"POST", "?project=999", 404, "No Project matches the given query.", nil},
		{"POST", "?id=no_such_action", 404, "No Project matches the given query.", nil},
		{"POST", "?id=delete_tasks&project=abc", 400, "Validation error", digits("project", "abc")},
		{"POST", "?id=delete_tasks&project=", 400, "Validation error", digits("project", "")},
		{"POST", "?id=delete_tasks&project=1.0", 400, "Validation error", digits("project", "1.0")},
		{"POST", "?id=no_such_action&project=abc", 400, "Validation error", digits("project", "abc")},
		{"POST", "?id=delete_tasks&project=abc&view=xyz", 400, "Validation error", digits("view", "xyz")},
		{"POST", "?id=delete_tasks&project=" + itoa(pid) + "&view=999", 404, "No View matches the given query.", nil},
		{"GET", "", 404, "No Project matches the given query.", nil},
		{"GET", "?project=999", 404, "No Project matches the given query.", nil},
		{"GET", "?project=1.0", 400, "Validation error", digits("project", "1.0")},
	}
	for _, tc := range tests {
		t.Run(tc.method+tc.query, func(t *testing.T) {
			status, body := e.call(tc.method, "/api/dm/actions"+tc.query, sel)
			env := mustEnvelope(t, tc.method+" "+tc.query, status, body, tc.want)
			if env.Detail != tc.detail {
				t.Errorf("detail %q, want %q", env.Detail, tc.detail)
			}
			var got struct {
				ValidationErrors map[string]string `json:"validation_errors"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("validation_errors are not bare strings: %v: %s", err, body)
			}
			if diff := cmp.Diff(tc.validation, got.ValidationErrors); diff != "" {
				t.Errorf("validation_errors (-want +got):\n%s", diff)
			}
		})
	}
	if status, body := e.call("GET", "/api/dm/actions?project=0"+itoa(pid), nil); status != 200 || !bytes.HasPrefix(body, []byte(`[{"id":"retrieve_tasks_predictions"`)) {
		t.Errorf("GET /api/dm/actions?project=0%d: %d %.80s, want the actions", pid, status, body)
	}
}

func TestDMActionErrorsAreBare(t *testing.T) {
	e := newAPI(t, Config{})
	pid := e.project("Actions")
	e.importTasks(pid, 2)
	sel := `{"selectedItems": {"all": true, "excluded": []}}`
	tests := []struct {
		name       string
		path       string
		body       string
		want       int
		wantDetail string // "" = any non-empty detail
	}{
		{"missing id", "/api/dm/actions?project=" + itoa(pid), sel, 422, `No action id "None", use ?id=<action-id>`},
		{"missing id with slash", "/api/dm/actions/?project=" + itoa(pid), sel, 422, `No action id "None", use ?id=<action-id>`},
		{"unknown action", "/api/dm/actions?id=no_such_action&project=" + itoa(pid), sel, 400, ""},
		{"malformed JSON", "/api/dm/actions?id=delete_tasks&project=" + itoa(pid), `{"selectedItems": `, 400, ""},
		{"body not an object", "/api/dm/actions?id=delete_tasks&project=" + itoa(pid), `[1, 2]`, 400, ""},
		{"selectedItems wrong type", "/api/dm/actions?id=delete_tasks&project=" + itoa(pid), `{"selectedItems": "all"}`, 400, ""},
		{"bad filter operator", "/api/dm/actions?id=delete_tasks&project=" + itoa(pid),
			`{"selectedItems": {"all": true}, "filters": {"conjunction": "and", "items": [{"filter": "filter:tasks:id", "operator": "near", "value": 1}]}}`, 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := e.call("POST", tc.path, tc.body)
			if status != tc.want {
				t.Fatalf("POST %s %s: status %d, want %d; body %s", tc.path, tc.body, status, tc.want, body)
			}
			if diff := cmp.Diff([]string{"detail"}, objectKeyOrder(t, body)); diff != "" {
				t.Errorf("POST %s %s: want a bare {\"detail\"} (-want +got):\n%s\nbody %s", tc.path, tc.body, diff, body)
			}
			var got struct{ Detail string }
			_ = json.Unmarshal(body, &got)
			if tc.wantDetail != "" && got.Detail != tc.wantDetail {
				t.Errorf("POST %s: detail %q, want %q", tc.path, got.Detail, tc.wantDetail)
			}
			if got.Detail == "" {
				t.Errorf("POST %s: empty detail", tc.path)
			}
		})
	}
	// No task was deleted by the rejected calls.
	if l := e.must("GET", "/api/tasks?project="+itoa(pid), nil, 200); l["total"].(float64) != 2 {
		t.Errorf("tasks after rejected actions: %v, want 2", l["total"])
	}
	// The same route still answers 401 in the envelope: authentication is not the action's.
	status, body := e.callHeader("POST", "/api/dm/actions?project="+itoa(pid), sel, http.Header{})
	mustEnvelope(t, "POST /api/dm/actions without credentials", status, body, http.StatusUnauthorized)
}

func TestNoServerErrorsForGarbage(t *testing.T) {
	e := newAPI(t, Config{})
	fx := makeFixture(e)
	deep := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	tests := []struct {
		method, path, body string
	}{
		{"POST", "/api/projects", `{"title": {"a": 1}, "label_config": "<View"}`},
		{"POST", "/api/projects", `{"label_config": "<View><Text name=\"t\" value=\"$t\"/></View"}`},
		{"POST", "/api/projects", `{"label_config": 5, "maximum_annotations": 1e400}`},
		{"POST", "/api/projects", `{"maximum_annotations": 99999999999999999999999999, "overlap_cohort_percentage": -1}`},
		{"POST", "/api/projects", `{"control_weights": "x", "pinned_at": 5, "sampling": null}`},
		{"POST", "/api/projects", deep},
		{"POST", "/api/projects", "\x00\x01\x02"},
		{"POST", "/api/projects", `{"title": "\u0000\ud800"}`},
		{"GET", "/api/projects?page_size=-1&page=-1", ""},
		{"GET", "/api/projects?page_size=abc&ordering=%00&ids=a,b", ""},
		{"GET", "/api/projects?page_size=99999999999999999999999", ""},
		{"GET", "/api/projects/99999999999999999999999999", ""},
		{"PATCH", "/api/projects/{project}", `{"label_config": "<View><Text name=\"x\" value=\"$other\"/></View>"}`},
		{"PATCH", "/api/projects/{project}", `{"title": null, "description": 5, "color": "` + strings.Repeat("#", 100) + `"}`},
		{"POST", "/api/tasks", `[]`},
		{"POST", "/api/tasks", `[null, 5, "x"]`},
		{"POST", "/api/tasks", `[{"project": {project}, "data": {"text": "a"}}, {"project": 999, "data": {}}]`},
		{"POST", "/api/tasks", `{"project": 1.5, "data": {}}`},
		{"POST", "/api/tasks", `{"project": -1, "data": {"text": "x"}}`},
		{"GET", "/api/tasks?query=garbage", ""},
		{"GET", "/api/tasks?query=%7B%22filters%22%3A5%7D", ""},
		{"GET", `/api/tasks?project={project}&query={"filters":{"conjunction":"and","items":[{"filter":"filter:tasks:id","operator":"in","value":{"min":"a","max":[]}}]}}`, ""},
		{"GET", `/api/tasks?project={project}&query={"filters":{"conjunction":"xor","items":[]}}`, ""},
		{"GET", `/api/tasks?project={project}&query={"ordering":["tasks:data.missing","-tasks:nothing"]}`, ""},
		{"GET", `/api/tasks?project={project}&query={"selectedItems":{"all":false,"included":["a"]}}`, ""},
		{"GET", "/api/tasks?project=abc&view=xyz", ""},
		{"GET", "/api/tasks?view=999", ""},
		{"GET", "/api/tasks?page_size=0&page=last", ""},
		{"POST", "/api/projects/{project}/import", `[{"data": 5}]`},
		{"POST", "/api/projects/{project}/import", `[{"data": {"text": "a"}, "annotations": 5, "predictions": [null]}]`},
		{"POST", "/api/projects/{project}/import", `[{"data": {"text": "a"}, "annotations": [{"result": 5}], "meta": []}]`},
		{"POST", "/api/projects/{project}/import", `[{"nottext": "a"}]`},
		{"POST", "/api/projects/{project}/import?preannotated_from_fields=x,y&commit_to_project=maybe", `[{"text": "a", "x": 5}]`},
		{"POST", "/api/projects/{project}/import", `{"url": "http://example.com/tasks.json"}`},
		{"POST", "/api/projects/{project}/import/predictions", `[{"task": null, "result": 5}]`},
		{"POST", "/api/projects/{project}/import/predictions", `[{"task": 999, "result": []}]`},
		{"POST", "/api/projects/{project}/import/predictions", `"x"`},
		{"POST", "/api/projects/{project}/import/predictions", `[5]`},
		{"GET", "/api/projects/{project}/export?exportType=CSV", ""},
		{"GET", "/api/projects/{project}/export?ids[]=a&ids[]=", ""},
		{"GET", "/api/projects/{project}/tasks?page=abc&page_size=-5", ""},
		{"POST", "/api/tasks/{task}/annotations?was_cancelled=maybe", `{"result": [5, "x"], "completed_by": 999}`},
		{"POST", "/api/tasks/{task}/annotations", `{"result": [{"a": 1}], "draft_created_at": "never", "parent_prediction": "x"}`},
		{"PATCH", "/api/annotations/{annotation}", `{"result": null, "ground_truth": null, "completed_by": "me"}`},
		{"POST", "/api/predictions", `{"task": {task}, "result": null}`},
		{"POST", "/api/predictions", `{"task": {task}, "score": "NaN"}`},
		{"POST", "/api/predictions", `{"task": 99999999999999999999999, "result": []}`},
		{"GET", "/api/predictions?task=abc&project=xyz", ""},
		{"PATCH", "/api/predictions/{prediction}", `{"score": "Infinity", "model_version": null}`},
		{"POST", "/api/dm/actions?id=delete_tasks&project={project}", `{"selectedItems": {"all": false, "included": "x"}}`},
		{"POST", "/api/dm/actions?id=delete_tasks&project={project}&view=abc", `{"selectedItems": {"all": true}}`},
		{"POST", "/api/dm/actions?id=predictions_to_annotations&project={project}", `{"selectedItems": {"all": true}, "model_version": 5}`},
		{"POST", "/api/dm/actions?id=delete_tasks&project={project}", `{"selectedItems": {"all": true}, "ordering": ["bogus"]}`},
		{"POST", "/api/dm/actions?id=delete_tasks&project={project}", ``},
		{"POST", "/api/dm/views", `{"project": "x", "data": {"filters": 5}}`},
		{"POST", "/api/dm/views", `{"project": {project}, "data": {"filters": {"items": [{"filter": "x", "operator": "y"}]}}}`},
		{"PATCH", "/api/dm/views/{view}", `{"data": null, "project": []}`},
		{"GET", "/api/dm/views?project=abc", ""},
		{"POST", "/api/webhooks", `{"url": "http://[::1", "headers": {"": ""}}`},
		{"POST", "/api/webhooks", `{"url": "http://example.com:99999999/", "project": {"id": 1}}`},
		{"POST", "/api/webhooks", `{"url": "http://a..b/", "actions": [null, 5, {}, []]}`},
		{"POST", "/api/webhooks", `{"url": "http://%zz/", "headers": "x"}`},
		{"PUT", "/api/webhooks/{webhook}", `{"headers": null}`},
		{"PATCH", "/api/webhooks/{webhook}", `{"actions": null, "url": null}`},
		{"GET", "/api/webhooks?project=%00", ""},
		{"GET", "/api/webhooks/info?organization-only=%FF", ""},
		{"POST", "/api/token/refresh/", `{"refresh": "eyJhbGciOiJub25lIn0.eyJ0b2tlbl90eXBlIjoicmVmcmVzaCJ9."}`},
		{"POST", "/api/token/refresh/", `{"refresh": 5}`},
		{"GET", "/api/projects/{project}/model-versions?x=%%", ""},
	}
	for _, tc := range tests {
		path, body := fx.expand(tc.path), fx.expand(tc.body)
		t.Run(tc.method+" "+path, func(t *testing.T) {
			status, out := e.call(tc.method, path, body)
			if status >= 500 {
				t.Errorf("%s %s %.200s: status %d, want < 500 (clients retry 5xx); body %s", tc.method, path, body, status, out)
			}
			if status >= 400 && !strings.HasPrefix(path, "/api/dm/actions") {
				mustEnvelope(t, tc.method+" "+path, status, out, status)
			}
		})
	}
}

// routeSample is one request per route of routes.go.
var routeSample = []struct {
	method, path, body string
	want               int
}{
	{"GET", "/health", "", 200},
	{"GET", "/api/version", "", 200},
	{"GET", "/api/current-user/whoami", "", 200},
	{"GET", "/api/current-user/token", "", 200},
	{"GET", "/api/webhooks/info", "", 200},
	{"GET", "/api/projects", "", 200},
	{"POST", "/api/projects", `{"title": "Slash project"}`, 201},
	{"GET", "/api/projects/{project}", "", 200},
	{"PATCH", "/api/projects/{project}", `{"title": "Renamed"}`, 200},
	{"PUT", "/api/projects/{project}", `{"title": "Renamed"}`, 200},
	{"DELETE", "/api/projects/{project}", "", 204},
	{"POST", "/api/projects/{project}/import?return_task_ids=1", `[{"text": "a"}]`, 201},
	{"POST", "/api/projects/{project}/import/predictions", `[{"task": {task}, "result": []}]`, 201},
	{"GET", "/api/projects/{project}/tasks", "", 200},
	{"POST", "/api/projects/{project}/tasks", `{"data": {"text": "a"}}`, 201},
	{"DELETE", "/api/projects/{project}/tasks", "", 204},
	{"GET", "/api/projects/{project}/export?exportType=JSON", "", 200},
	{"GET", "/api/projects/{project}/model-versions", "", 200},
	{"GET", "/api/tasks?project={project}", "", 200},
	{"POST", "/api/tasks", `{"project": {project}, "data": {"text": "a"}}`, 201},
	{"GET", "/api/tasks/{task}", "", 200},
	{"PATCH", "/api/tasks/{task}", `{"meta": {"m": 1}}`, 200},
	{"PUT", "/api/tasks/{task}", `{"meta": {"m": 1}}`, 200},
	{"DELETE", "/api/tasks/{task}", "", 204},
	{"GET", "/api/tasks/{task}/annotations", "", 200},
	{"POST", "/api/tasks/{task}/annotations", `{"result": []}`, 201},
	{"GET", "/api/annotations/{annotation}", "", 200},
	{"PATCH", "/api/annotations/{annotation}", `{"lead_time": 2}`, 200},
	{"PUT", "/api/annotations/{annotation}", `{"result": []}`, 200},
	{"DELETE", "/api/annotations/{annotation}", "", 204},
	{"GET", "/api/predictions?task={task}", "", 200},
	{"POST", "/api/predictions", `{"task": {task}, "result": []}`, 201},
	{"GET", "/api/predictions/{prediction}", "", 200},
	{"PATCH", "/api/predictions/{prediction}", `{"score": 0.9}`, 200},
	{"PUT", "/api/predictions/{prediction}", `{"score": 0.9}`, 200},
	{"DELETE", "/api/predictions/{prediction}", "", 204},
	{"GET", "/api/dm/actions?project={project}", "", 200},
	{"POST", "/api/dm/actions?id=delete_tasks&project={project}", `{"selectedItems": {"all": false, "included": [{task}]}}`, 200},
	{"GET", "/api/dm/views?project={project}", "", 200},
	{"POST", "/api/dm/views", `{"project": {project}, "data": {"title": "w"}}`, 201},
	{"GET", "/api/dm/views/{view}", "", 200},
	{"PATCH", "/api/dm/views/{view}", `{"data": {"title": "w2"}}`, 200},
	{"PUT", "/api/dm/views/{view}", `{"project": {project}, "data": {"title": "w2"}}`, 200},
	{"DELETE", "/api/dm/views/{view}", "", 204},
	{"GET", "/api/webhooks", "", 200},
	{"POST", "/api/webhooks", `{"url": "http://127.0.0.1:1/other"}`, 201},
	{"GET", "/api/webhooks/{webhook}", "", 200},
	{"PATCH", "/api/webhooks/{webhook}", `{"is_active": false}`, 200},
	{"PUT", "/api/webhooks/{webhook}", `{"url": "http://127.0.0.1:1/put", "is_active": false}`, 200},
	{"DELETE", "/api/webhooks/{webhook}", "", 204},
}

func TestBothSlashFormsNeverRedirect(t *testing.T) {
	for _, rt := range routeSample {
		for _, slash := range []bool{false, true} {
			name := rt.method + " " + rt.path
			if slash {
				name += " (slash)"
			}
			t.Run(name, func(t *testing.T) {
				// A fresh server per request, so destructive routes meet
				// the same state in both forms.
				e := newAPI(t, Config{OrganizationWebhooks: true})
				fx := makeFixture(e)
				path := fx.expand(rt.path)
				if slash {
					p, q, _ := strings.Cut(path, "?")
					path = p + "/"
					if q != "" {
						path += "?" + q
					}
				}
				var body any
				if rt.body != "" {
					body = fx.expand(rt.body)
				}
				status, out := e.call(rt.method, path, body)
				switch status {
				case 301, 302, 303, 307, 308:
					t.Fatalf("%s %s: redirect %d; Label Studio never redirects", rt.method, path, status)
				}
				if status != rt.want {
					t.Errorf("%s %s %s: status %d, want %d; body %.300s", rt.method, path, rt.body, status, rt.want, out)
				}
			})
		}
	}
}

func TestTokenSignInFlow(t *testing.T) {
	// GET /api/current-user/token gives the legacy key, which then works.
	e := newAPI(t, Config{Token: "a-token-0123456789"})
	got := e.must("GET", "/api/current-user/token/", nil, 200)
	if diff := cmp.Diff(map[string]any{"token": "a-token-0123456789"}, got); diff != "" {
		t.Errorf("current-user/token (-want +got):\n%s", diff)
	}
	if status, body := e.callHeader("GET", "/api/projects", nil, tokenHeader(got["token"].(string))); status != 200 {
		t.Errorf("the returned token: status %d; body %s", status, body)
	}
}
