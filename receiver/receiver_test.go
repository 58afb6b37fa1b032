package receiver_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/schemas"
)

var fixedNow = time.Date(2026, 3, 1, 10, 0, 5, 0, time.UTC)

func clock() time.Time { return fixedNow }

// readTestdata returns a file of testdata/.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// compact returns body without insignificant space, as records keep it.
func compact(t testing.TB, body []byte) json.RawMessage {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		t.Fatalf("compact %q: %v", body, err)
	}
	return buf.Bytes()
}

// start serves a receiver on 127.0.0.1:0 and stops both at cleanup.
func start(t testing.TB, cfg receiver.Config) (*receiver.Receiver, *httptest.Server) {
	t.Helper()
	rc := receiver.New(cfg)
	srv := httptest.NewServer(rc)
	t.Cleanup(func() {
		rc.Close() // ends planned delays and waits, so srv.Close does not block on them
		srv.Close()
	})
	return rc, srv
}

// do sends one request and returns the status and the body.
func do(t testing.TB, method, url, body string, header http.Header) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read answer: %v", method, url, err)
	}
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusNoContent && ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q, want application/json", method, url, ct)
	}
	return resp.StatusCode, b
}

// decode unmarshals an answer, failing the test when it is not JSON.
func decode[T any](t testing.TB, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

func TestWebhook(t *testing.T) {
	annotation := readTestdata(t, "annotation_created.json")
	badTask := `{"action":"TASKS_CREATED","tasks":[{"id":"19"}],"project":{"id":2}}`
	typo := `{"action":"TASK_CREATED","tasks":[]}`
	problems := func(body string) []schemas.Problem {
		_, p := schemas.Validate([]byte(body))
		if len(p) == 0 {
			t.Fatalf("schemas.Validate(%s) found no problem; the case needs an invalid body", body)
		}
		return p
	}
	tests := []struct {
		name       string
		reject     bool
		body       string
		wantStatus int
		want       receiver.Record // Seq, ReceivedAt, Method, Path and Headers are filled in below
		wantAnswer map[string]any
	}{
		{
			name:       "valid annotation",
			body:       string(annotation),
			wantStatus: http.StatusOK,
			want:       receiver.Record{Action: schemas.AnnotationCreated, Body: compact(t, annotation), Valid: true, Errors: []schemas.Problem{}, ResponseStatus: 200},
			wantAnswer: map[string]any{"seq": 1.0, "valid": true},
		},
		{
			name:       "send_payload false",
			body:       `{"action": "TASKS_CREATED"}`,
			wantStatus: http.StatusOK,
			want:       receiver.Record{Action: schemas.TasksCreated, Body: json.RawMessage(`{"action":"TASKS_CREATED"}`), Valid: true, Errors: []schemas.Problem{}, ResponseStatus: 200},
			wantAnswer: map[string]any{"seq": 1.0, "valid": true},
		},
		{
			name:       "schema violation accepted",
			body:       badTask,
			wantStatus: http.StatusOK,
			want:       receiver.Record{Action: schemas.TasksCreated, Body: json.RawMessage(badTask), Errors: problems(badTask), ResponseStatus: 200},
		},
		{
			name:       "documentation-only action accepted",
			body:       typo,
			wantStatus: http.StatusOK,
			want:       receiver.Record{Action: "TASK_CREATED", Body: json.RawMessage(typo), Errors: problems(typo), ResponseStatus: 200},
		},
		{
			name:       "array body accepted",
			body:       `[1, 2]`,
			wantStatus: http.StatusOK,
			want:       receiver.Record{Body: json.RawMessage(`[1,2]`), Errors: problems(`[1,2]`), ResponseStatus: 200},
		},
		{
			name:       "schema violation rejected",
			reject:     true,
			body:       badTask,
			wantStatus: http.StatusBadRequest,
			want:       receiver.Record{Action: schemas.TasksCreated, Body: json.RawMessage(badTask), Errors: problems(badTask), ResponseStatus: 400},
		},
		{
			name:       "valid body passes reject-invalid",
			reject:     true,
			body:       `{"action":"PROJECT_DELETED","project":{"id":3}}`,
			wantStatus: http.StatusOK,
			want:       receiver.Record{Action: schemas.ProjectDeleted, Body: json.RawMessage(`{"action":"PROJECT_DELETED","project":{"id":3}}`), Valid: true, Errors: []schemas.Problem{}, ResponseStatus: 200},
		},
		{
			name:       "not JSON",
			body:       "action=TASKS_CREATED&<b>",
			wantStatus: http.StatusBadRequest,
			want:       receiver.Record{Body: json.RawMessage(`"action=TASKS_CREATED&<b>"`), Errors: problems("action=TASKS_CREATED&<b>"), ResponseStatus: 400},
		},
		{
			name:       "empty body",
			body:       "",
			wantStatus: http.StatusBadRequest,
			want:       receiver.Record{Body: json.RawMessage(`""`), Errors: problems(""), ResponseStatus: 400},
		},
		{
			name:       "truncated JSON",
			body:       `{"action": "TASKS_CREATED", "tasks": [`,
			wantStatus: http.StatusBadRequest,
			want:       receiver.Record{Body: json.RawMessage(`"{\"action\": \"TASKS_CREATED\", \"tasks\": ["`), Errors: problems(`{"action": "TASKS_CREATED", "tasks": [`), ResponseStatus: 400},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := receiver.New(receiver.Config{RejectInvalid: tt.reject, Now: clock})
			req := httptest.NewRequest(http.MethodPost, "/hooks/ls?token=abc", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Token abc")
			w := httptest.NewRecorder()
			rc.ServeHTTP(w, req)

			if w.Code != tt.wantStatus {
				t.Errorf("POST %q: status %d, want %d; answer %s", tt.body, w.Code, tt.wantStatus, w.Body)
			}
			want := tt.want
			want.Seq, want.ReceivedAt, want.Method, want.Path, want.Query = 1, fixedNow, "POST", "/hooks/ls", "token=abc"
			want.Headers = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Token abc"}}
			if diff := cmp.Diff([]receiver.Record{want}, rc.Events(receiver.Filter{})); diff != "" {
				t.Errorf("POST %q: records (-want +got):\n%s", tt.body, diff)
			}

			answer := decode[map[string]any](t, w.Body.Bytes())
			if tt.wantAnswer != nil {
				if diff := cmp.Diff(tt.wantAnswer, answer); diff != "" {
					t.Errorf("POST %q: answer (-want +got):\n%s", tt.body, diff)
				}
			}
			if !want.Valid {
				gotProblems := decode[struct{ Problems []schemas.Problem }](t, w.Body.Bytes()).Problems
				if diff := cmp.Diff(want.Errors, gotProblems); diff != "" {
					t.Errorf("POST %q: problems in answer (-want +got):\n%s", tt.body, diff)
				}
			}
			if tt.wantStatus != http.StatusOK && answer["detail"] == "" {
				t.Errorf("POST %q: answer %s has no detail", tt.body, w.Body)
			}
		})
	}
}

func TestWebhookOversize(t *testing.T) {
	const limit = 64
	rc, srv := start(t, receiver.Config{MaxBodyBytes: limit, Now: clock})
	atLimit := `{"action":"TASKS_CREATED","pad":"` + strings.Repeat("x", limit-35) + `"}`
	if len(atLimit) != limit {
		t.Fatalf("test body is %d bytes, want %d", len(atLimit), limit)
	}
	over := atLimit + " "

	status, answer := do(t, http.MethodPost, srv.URL+"/big", over, nil)
	if status != http.StatusRequestEntityTooLarge {
		t.Errorf("POST %d bytes with limit %d: status %d, want 413; answer %s", len(over), limit, status, answer)
	}
	if detail := decode[map[string]any](t, answer)["detail"]; detail != "body exceeds the limit of 64 bytes" {
		t.Errorf("413 detail %q, want the limit named", detail)
	}
	status, answer = do(t, http.MethodPost, srv.URL+"/big", atLimit, nil)
	if status != http.StatusOK {
		t.Errorf("POST %d bytes with limit %d: status %d, want 200; answer %s", len(atLimit), limit, status, answer)
	}

	got := rc.Events(receiver.Filter{})
	if len(got) != 2 {
		t.Fatalf("got %d records, want 2 (the oversize one and the one at the limit)", len(got))
	}
	big := got[0]
	wantErrors := []schemas.Problem{{Path: "$", Message: "body exceeds the limit of 64 bytes"}}
	if string(big.Body) != "null" || big.Valid || big.ResponseStatus != 413 || !cmp.Equal(wantErrors, big.Errors) {
		t.Errorf("oversize record: body %s, valid %v, status %d, errors %v; want null, false, 413, %v",
			big.Body, big.Valid, big.ResponseStatus, big.Errors, wantErrors)
	}
	if got[1].Seq != 2 || string(got[1].Body) != atLimit {
		t.Errorf("record at the limit: seq %d, body %s; want 2, %s", got[1].Seq, got[1].Body, atLimit)
	}
}

func TestControlAPIErrors(t *testing.T) {
	_, srv := start(t, receiver.Config{})
	tests := []struct {
		name, method, path, body string
		wantStatus               int
		wantDetail               string // a substring
	}{
		{"unknown action", "GET", "/events?action=TASK_CREATED", "", 400, `unknown action "TASK_CREATED" (did you mean TASKS_CREATED?)`},
		{"valid not a bool", "GET", "/events?valid=yes", "", 400, `valid: want true or false, got "yes"`},
		{"since negative", "GET", "/events?since=-1", "", 400, `since: want a seq number`},
		{"since not a number", "GET", "/events?since=two", "", 400, `since: want a seq number`},
		{"unknown parameter", "GET", "/events?acton=TASKS_CREATED", "", 400, `unknown query parameter "acton"`},
		{"repeated parameter", "GET", "/events?action=TASKS_CREATED&action=PROJECT_CREATED", "", 400, `"action" given 2 times`},
		{"count zero", "GET", "/events/wait?count=0", "", 400, `count: want a whole number of at least 1, got "0"`},
		{"timeout without unit", "GET", "/events/wait?timeout=5", "", 400, `timeout: want a duration like 5s`},
		{"timeout too long", "GET", "/events/wait?timeout=1h", "", 400, `at most 10m0s`},
		{"wait unknown parameter", "GET", "/events/wait?n=2", "", 400, `unknown query parameter "n"`},
		{"delete with filter", "DELETE", "/events?action=TASKS_CREATED", "", 400, `takes no query parameters`},
		{"plan unknown field", "PUT", "/responses", `{"statsu": 500}`, 400, `unknown field "statsu"`},
		{"plan status out of range", "PUT", "/responses", `{"status": 99}`, 400, `status: want 200 to 599, got 99`},
		{"plan delay number", "PUT", "/responses", `{"delay": 2}`, 400, `delay: want a duration string like "2s", got 2`},
		{"plan delay bad", "PUT", "/responses", `{"delay": "2 s"}`, 400, `delay: want a duration string like "2s", got "2 s"`},
		{"plan delay negative", "PUT", "/responses", `{"delay": "-1s"}`, 400, `delay: want 0 or more`},
		{"plan times negative", "PUT", "/responses", `{"times": -1}`, 400, `times: want 1 or more, got -1`},
		{"plan second step bad", "PUT", "/responses", `[{"status": 500}, {"status": 1000}]`, 400, `step 2: status`},
		{"plan not an object", "PUT", "/responses", `"500"`, 400, `want a step like`},
		{"plan empty", "PUT", "/responses", ``, 400, `empty body`},
		{"plan broken JSON", "PUT", "/responses", `{"status": 500`, 400, `plan:`},
		{"no route", "GET", "/nope", "", 404, `no route GET /nope (webhooks are POSTs to any path)`},
		{"method not allowed", "PATCH", "/events", "", 405, `method PATCH not allowed on /events (allowed: DELETE, GET, POST)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, b := do(t, tt.method, srv.URL+tt.path, tt.body, nil)
			if status != tt.wantStatus {
				t.Errorf("%s %s %s: status %d, want %d; answer %s", tt.method, tt.path, tt.body, status, tt.wantStatus, b)
			}
			detail, _ := decode[map[string]any](t, b)["detail"].(string)
			if !strings.Contains(detail, tt.wantDetail) {
				t.Errorf("%s %s %s: detail %q, want it to contain %q", tt.method, tt.path, tt.body, detail, tt.wantDetail)
			}
		})
	}
}

func TestHealth(t *testing.T) {
	_, srv := start(t, receiver.Config{})
	status, b := do(t, http.MethodGet, srv.URL+"/health", "", nil)
	if status != http.StatusOK || string(b) != "{\"status\":\"UP\"}\n" {
		t.Errorf("GET /health: %d %s, want 200 {\"status\":\"UP\"}", status, b)
	}
}

func TestShutdownRejectsNewWebhooks(t *testing.T) {
	rc, srv := start(t, receiver.Config{})
	do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	rc.Close()
	status, b := do(t, http.MethodPost, srv.URL+"/", `{"action":"TASKS_CREATED"}`, nil)
	if status != http.StatusServiceUnavailable {
		t.Errorf("POST after Close: status %d, want 503; answer %s", status, b)
	}
	if n := len(rc.Events(receiver.Filter{})); n != 1 {
		t.Errorf("after Close: %d records, want the 1 from before", n)
	}
	if status, _ := do(t, http.MethodGet, srv.URL+"/events", "", nil); status != http.StatusOK {
		t.Errorf("GET /events after Close: status %d, want 200 (records stay readable)", status)
	}
}
