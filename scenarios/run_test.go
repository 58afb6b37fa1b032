package scenarios

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/labelhook/labelhook/server"
	"github.com/labelhook/labelhook/server/servertest"
)

// runYAML parses src as t.yaml and runs it; it returns the report and
// the printed output.
func runYAML(t *testing.T, src string, opts Options) (*Report, string) {
	t.Helper()
	scs, err := Parse("t.yaml", []byte(src))
	if err != nil {
		t.Fatalf("Parse:\n%s\n%v", src, err)
	}
	var out bytes.Buffer
	opts.Out = &out
	rep, err := Run(context.Background(), scs, opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return rep, out.String()
}

// only returns the one result of a report.
func only(t *testing.T, rep *Report, out string) Result {
	t.Helper()
	if len(rep.Results) != 1 {
		t.Fatalf("%d results, want 1\n%s", len(rep.Results), out)
	}
	return rep.Results[0]
}

// wantPass checks that the one scenario of the report passed and returns
// its result.
func wantPass(t *testing.T, rep *Report, out string) Result {
	t.Helper()
	r := only(t, rep, out)
	if r.Status != Passed {
		t.Fatalf("status %s %s, want PASS\n%s", r.Status, r.Message, out)
	}
	return r
}

// wantFail checks that the scenario failed and that its message and
// detail contain each of the wanted strings.
func wantFail(t *testing.T, rep *Report, out string, msg string, detail ...string) {
	t.Helper()
	r := only(t, rep, out)
	if r.Status != Failed {
		t.Fatalf("status %s, want FAIL\n%s", r.Status, out)
	}
	if !strings.Contains(r.Message, msg) {
		t.Errorf("message %q lacks %q\n%s", r.Message, msg, out)
	}
	for _, d := range detail {
		if !strings.Contains(r.Detail, d) {
			t.Errorf("detail lacks %q:\n%s", d, r.Detail)
		}
	}
}

const importScenario = `name: import
steps:
  - create_project: {title: Import}
  - create_webhook: {project: "${project}", url: "${receiver.url}/hook"}
  - import_tasks: {tasks: [{text: a}, {text: b}, {text: c}]}
    expect:
      - action: TASKS_CREATED
        match: {tasks: {$len: 3}, project: {id: "${project}", task_number: 3}}
`

func TestRunPass(t *testing.T) {
	rep, out := runYAML(t, importScenario, Options{})
	if r := only(t, rep, out); r.Status != Passed || r.Message != "" {
		t.Fatalf("status %s %q, want PASS\n%s", r.Status, r.Message, out)
	}
	re := regexp.MustCompile(`^=== RUN   import\n--- PASS: import \(\d+\.\d\ds\)\n1 passed, 0 failed\n$`)
	if !re.MatchString(out) {
		t.Errorf("output:\n%s\nwant it to match %s", out, re)
	}
	if rep.Passed != 1 || rep.Failed != 0 || rep.Skipped != 0 {
		t.Errorf("counts %d/%d/%d, want 1/0/0", rep.Passed, rep.Failed, rep.Skipped)
	}
}

func TestRunVerbosePrintsSteps(t *testing.T) {
	_, out := runYAML(t, importScenario, Options{Verbose: true})
	for _, want := range []string{
		"    t.yaml:3: step 1 (create_project): POST /api/projects -> 201, no events\n",
		"    t.yaml:5: step 3 (import_tasks): POST /api/projects/1/import?return_task_ids=true -> 201, events: TASKS_CREATED at /hook\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunFailsWithDiff(t *testing.T) {
	src := strings.Replace(importScenario, "{$len: 3}", "{$len: 2}", 1)
	rep, out := runYAML(t, src, Options{})
	wantFail(t, rep, out, "t.yaml:5: step 3 (import_tasks): want 1 TASKS_CREATED matching, got 0",
		"expected (t.yaml:7): TASKS_CREATED count 1 match {tasks: {$len: 2}",
		"closest TASKS_CREATED: #1 at /hook (-want +got):",
		"(len 2)", "(len 3)",
		"events during the step (1):",
		"#1 TASKS_CREATED at /hook: tasks [3: ids 1, 2, 3], project id 1")
	if !strings.Contains(out, "--- FAIL: import (") || !strings.HasSuffix(out, "\n0 passed, 1 failed\n") {
		t.Errorf("output:\n%s", out)
	}
	if strings.Contains(only(t, rep, out).Detail, "unexpected") {
		t.Errorf("the near miss is also reported as unexpected:\n%s", out)
	}
}

func TestRunTooManyEvents(t *testing.T) {
	rep, out := runYAML(t, importScenario, Options{ConfigureServer: func(c *server.Config) { c.BatchSize = 1 }})
	wantFail(t, rep, out, "want 1 TASKS_CREATED matching, got 0", "events during the step (3):")
}

func TestRunUnexpectedEventFails(t *testing.T) {
	src := `name: extra
steps:
  - create_project: {title: Extra}
  - create_webhook: {project: "${project}", url: "${receiver.url}/a"}
  - create_webhook: {project: "${project}", url: "${receiver.url}/b"}
  - import_tasks: {tasks: [{text: a}]}
    expect:
      - {action: TASKS_CREATED, webhook: /a}
`
	rep, out := runYAML(t, src, Options{})
	wantFail(t, rep, out, "t.yaml:6: step 4 (import_tasks): 1 unexpected event(s): TASKS_CREATED",
		"#2 TASKS_CREATED at /b")

	allowed := strings.Replace(src, "    expect:", "    others: allow\n    expect:", 1)
	rep, out = runYAML(t, allowed, Options{})
	wantPass(t, rep, out)

	none := strings.Replace(src, "    expect:\n      - {action: TASKS_CREATED, webhook: /a}\n", "    expect: []\n", 1)
	rep, out = runYAML(t, none, Options{})
	wantFail(t, rep, out, "2 unexpected event(s): TASKS_CREATED, TASKS_CREATED")
}

func TestRunOrdered(t *testing.T) {
	src := `name: order
server: {organization_webhooks: true}
steps:
  - create_project: {title: Order}
  - create_webhook: {url: "${receiver.url}/first"}
  - create_webhook: {project: "${project}", url: "${receiver.url}/second"}
  - update_project: {title: Renamed}
    ordered: true
    expect:
      - {action: PROJECT_UPDATED, webhook: /second}
      - {action: PROJECT_UPDATED, webhook: /first}
`
	rep, out := runYAML(t, src, Options{})
	wantFail(t, rep, out, "out of order: #2 (PROJECT_UPDATED, line 10) arrived after #1 (PROJECT_UPDATED, line 11)")

	rep, out = runYAML(t, strings.Replace(src, "    ordered: true\n", "", 1), Options{})
	wantPass(t, rep, out)
}

func TestRunStatusAndResponseChecks(t *testing.T) {
	rep, out := runYAML(t, `name: status
steps:
  - annotate: {task: 999999}
`, Options{})
	wantFail(t, rep, out, "t.yaml:3: step 1 (annotate): POST /api/tasks/999999/annotations answered 404, want 201",
		`answer: {"id":`, `"status_code":404`, "no events arrived during the step")

	rep, out = runYAML(t, `name: response
steps:
  - create_project: {title: Response}
    response: {title: Other, task_number: 0}
`, Options{})
	wantFail(t, rep, out, "t.yaml:3: step 1 (create_project): POST /api/projects: the answer does not match response",
		`"Other"`, `"Response"`)

	rep, out = runYAML(t, `name: save
steps:
  - create_project: {title: Save}
    save: {x: "tasks[0]"}
`, Options{})
	wantFail(t, rep, out, `t.yaml:3: step 1 (create_project): save x from tasks[0]: the value has no key "tasks"`)

	rep, out = runYAML(t, `name: runtime variable
steps:
  - import_tasks: {project: 999999, tasks: [{a: 1}]}
    status: 404
  - create_project: {title: Vars}
  - import_tasks: {tasks: [{a: 1}]}
  - delete_task: "${task_ids[5]}"
`, Options{})
	wantFail(t, rep, out, "t.yaml:7: step 4 (delete_task): ${task_ids[5]}: index 5 out of range: the value has 1 items")
}

func TestRunAsyncWithin(t *testing.T) {
	src := `name: async
server: {async_delivery: true}
steps:
  - create_project: {title: Async}
  - create_webhook: {project: "${project}", url: "${receiver.url}"}
  - import_tasks: {tasks: [{text: a}, {text: b}]}
    within: 10s
    expect: [{action: TASKS_CREATED, match: {tasks: {$len: 2}}}]
  - request: {method: PATCH, path: "/api/tasks/${task_ids[0]}", body: {meta: {x: 1}}}
    within: 300ms
    expect: []
`
	// No settle window: only within can make the events count.
	rep, out := runYAML(t, src, Options{Settle: -1})
	if r := wantPass(t, rep, out); r.Duration < 300*time.Millisecond {
		t.Errorf("took %v: a step that wants no events must wait out its within of 300ms", r.Duration)
	}
}

// TestRunAsyncFlushCatchesExtraEvents: in-process, the runner waits for
// the async queue after each step, so an extra event is seen with no
// settle window at all.
func TestRunAsyncFlushCatchesExtraEvents(t *testing.T) {
	src := `name: late
server: {async_delivery: true}
steps:
  - create_project: {title: Late}
  - create_webhook: {project: "${project}", url: "${receiver.url}/a"}
  - create_webhook: {project: "${project}", url: "${receiver.url}/b"}
  - import_tasks: {tasks: [{text: a}]}
    within: 10s
    expect: [{action: TASKS_CREATED, webhook: /a}]
`
	rep, out := runYAML(t, src, Options{Settle: -1})
	wantFail(t, rep, out, "1 unexpected event(s): TASKS_CREATED", "at /b")
}

// TestRunInProcessDoesNotSettle: after the flush no event can still
// arrive in-process, so a settle window of an hour must not be waited
// out (the context would end the run first, failing the scenario).
func TestRunInProcessDoesNotSettle(t *testing.T) {
	scs, err := Parse("t.yaml", []byte(importScenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	rep, err := Run(ctx, scs, Options{Settle: time.Hour, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	if r := only(t, rep, out.String()); r.Status != Passed {
		t.Fatalf("status %s %s: the in-process run waited out its settle window\n%s", r.Status, r.Message, out.String())
	}
}

func TestRunEverything(t *testing.T) {
	scs, err := Load("testdata/everything.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rep, err := Run(context.Background(), scs, Options{Out: &out, Verbose: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 1 {
		t.Fatalf("testdata/everything.yaml:\n%s", out.String())
	}
}

func TestRunKeepsOrderInParallel(t *testing.T) {
	var src strings.Builder
	for _, n := range []string{"c", "a", "d", "b", "e", "f"} {
		src.WriteString("- name: " + n + "\n  steps: [{create_project: {title: " + n + n + n + "}}]\n")
	}
	_, out := runYAML(t, src.String(), Options{Parallel: 4})
	var got []string
	for _, l := range strings.Split(out, "\n") {
		if name, ok := strings.CutPrefix(l, "=== RUN   "); ok {
			got = append(got, name)
		}
	}
	if strings.Join(got, "") != "cadbef" {
		t.Errorf("printed in order %q, want cadbef\n%s", got, out)
	}
}

func TestRunCancelled(t *testing.T) {
	scs, err := Parse("t.yaml", []byte(importScenario))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := Run(ctx, scs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 1 || !strings.Contains(rep.Results[0].Message, "not run: context canceled") {
		t.Errorf("cancelled run: %+v", rep.Results)
	}
}

func TestSelect(t *testing.T) {
	scs, err := Load("testdata/list.yaml", "testdata/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Select(scs, "list$")
	if err != nil || len(got) != 2 || got[0].Name != "first in a list" {
		t.Errorf("Select(list$) = %v, %v", got, err)
	}
	if got, _ := Select(scs, ""); len(got) != 3 {
		t.Errorf("Select(\"\") kept %d, want 3", len(got))
	}
	if _, err := Select(scs, "("); err == nil {
		t.Error("Select(\"(\") gave no error")
	}
}

// TestRunExternal runs against a separately started mock: webhooks go
// to one shared receiver, each scenario under its own path, scenarios
// that need server settings are skipped, and what the scenarios created
// is deleted afterwards.
func TestRunExternal(t *testing.T) {
	ls := servertest.NewServer(t, servertest.WithOrganizationWebhooks())
	src := importScenario + `
- name: needs settings
  server: {webhook_batch_size: 2}
  steps: [{create_project: {title: Skipped}}]
`
	src = "- " + strings.ReplaceAll(strings.TrimSuffix(importScenario, "\n"), "\n", "\n  ") + "\n" + strings.TrimPrefix(src, importScenario)
	src += `- name: org webhook
  steps:
    - create_webhook: {url: "${receiver.url}/org"}
    - create_project: {title: External}
      expect: [{action: PROJECT_CREATED, webhook: /org}]
`
	rep, out := runYAML(t, src, Options{Server: ls.URL, Token: ls.Token})
	if rep.Passed != 2 || rep.Skipped != 1 || rep.Failed != 0 {
		t.Fatalf("%d passed, %d skipped, %d failed, want 2, 1, 0\n%s", rep.Passed, rep.Skipped, rep.Failed, out)
	}
	if s := rep.Results[1]; s.Status != Skipped || !strings.Contains(s.Message, "t.yaml:10: needs an in-process mock") {
		t.Errorf("skip: %+v", s)
	}
	if !strings.Contains(out, "--- SKIP: needs settings") || !strings.HasSuffix(out, "1 skipped\n2 passed, 0 failed\n") {
		t.Errorf("output:\n%s", out)
	}
	for _, path := range []string{"/api/webhooks", "/api/projects"} {
		req, _ := http.NewRequest(http.MethodGet, ls.URL+path, nil)
		resp, err := ls.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if s := string(b); s != "[]" && !strings.Contains(s, `"count":0`) {
			t.Errorf("GET %s after the run = %s, want nothing left", path, s)
		}
	}
}

// fakeLS is just enough of Label Studio to register a webhook and, on an
// import, deliver body to it; with late, deliver it again 200 ms later
// (an async Label Studio sending a second chunk: wait on wg before the
// server closes).
type fakeLS struct {
	body []byte
	late bool
	mu   sync.Mutex
	hook string
	wg   sync.WaitGroup
}

func (f *fakeLS) post() {
	f.mu.Lock()
	hook := f.hook
	f.mu.Unlock()
	resp, err := http.Post(hook, "application/json", bytes.NewReader(f.body))
	if err == nil {
		resp.Body.Close()
	}
}

func (f *fakeLS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/webhooks":
		var body struct{ URL string }
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		f.hook = body.URL
		f.mu.Unlock()
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": 1}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/projects/1/import":
		f.post()
		if f.late {
			f.wg.Go(func() {
				time.Sleep(200 * time.Millisecond) // the late event is the point
				f.post()
			})
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"task_count": 1, "task_ids": [1]}`)
	case r.Method == http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

func TestRunInvalidBodyFails(t *testing.T) {
	ls := httptest.NewServer(&fakeLS{body: []byte(`{"action":"TASKS_CREATED","tasks":"not a list"}`)})
	defer ls.Close()
	rep, out := runYAML(t, `name: invalid
steps:
  - create_webhook: {project: 1, url: "${receiver.url}"}
  - import_tasks: {project: 1, tasks: [{text: a}]}
    expect: [{action: TASKS_CREATED}]
`, Options{Server: ls.URL, Token: "t"})
	wantFail(t, rep, out, "t.yaml:4: step 2 (import_tasks): webhook #1 (TASKS_CREATED at /) breaks the event contract",
		"$.tasks: expected array, got string", "INVALID: $: missing required field")
}

func TestRunBadServerURL(t *testing.T) {
	if _, err := Run(context.Background(), nil, Options{Server: "localhost:8080"}); err == nil {
		t.Error("Run with server localhost:8080 (no scheme) gave no error")
	}
}
