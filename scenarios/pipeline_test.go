package scenarios

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/internal/loopback"
	"github.com/labelhook/labelhook/server/servertest"
)

// consumer is a pipeline under test: it records the actions it gets,
// answers each with status (200 unless set) after delay, and serves
// GET /jobs: {"jobs": [...]}, one job per annotation it saw.
type consumer struct {
	mu      sync.Mutex
	actions []string
	jobs    []any
	status  int
	delay   time.Duration
	// failOn answers 500 to this action.
	failOn string
	gets   int
}

func newConsumer(t *testing.T) (*consumer, string) {
	t.Helper()
	c := &consumer{jobs: []any{}}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	return c, srv.URL
}

func (c *consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Method == http.MethodGet && r.URL.Path == "/jobs" {
		c.gets++
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"jobs": c.jobs, "asked": c.gets})
		return
	}
	var body struct {
		Action     string          `json:"action"`
		Annotation json.RawMessage `json:"annotation"`
	}
	b, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(b, &body)
	c.actions = append(c.actions, body.Action)
	if body.Action == "ANNOTATION_CREATED" {
		c.jobs = append(c.jobs, map[string]any{"after": len(c.actions)})
	}
	if c.delay > 0 {
		time.Sleep(c.delay) // a slow pipeline, not synchronisation
	}
	switch {
	case c.failOn != "" && body.Action == c.failOn:
		w.WriteHeader(http.StatusInternalServerError)
	case c.status != 0:
		w.WriteHeader(c.status)
	}
}

func (c *consumer) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.actions...)
}

const pipelineScenario = `name: pipeline
steps:
  - create_project: {title: Pipeline}
  - create_webhook: {project: "${project}", url: "${receiver.url}/hook"}
  - import_tasks: {tasks: [{text: a}]}
    expect: [{action: TASKS_CREATED, pipeline: {status: 2xx}}]
  - annotate: {task: "${task_ids[0]}"}
    expect: [{action: ANNOTATION_CREATED, pipeline: {status: 200, max_time: 5s}}]
  - http: {url: /jobs}
    response: {jobs: {$len: 1}}
`

func TestRunPipelineRelaysAndChecks(t *testing.T) {
	c, url := newConsumer(t)
	rep, out := runYAML(t, pipelineScenario, Options{Pipeline: url + "/webhook", Verbose: true})
	wantPass(t, rep, out)
	if got := strings.Join(c.got(), ","); got != "TASKS_CREATED,ANNOTATION_CREATED" {
		t.Errorf("the pipeline got %s, want TASKS_CREATED,ANNOTATION_CREATED", got)
	}
	for _, want := range []string{
		"events: TASKS_CREATED at /hook (pipeline: 200)",
		"step 5 (http): GET " + url + "/jobs -> 200, no events",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestRunPipelineFailures(t *testing.T) {
	tests := []struct {
		name    string
		setup   func(c *consumer)
		src     string
		pipe    string // "": the consumer's URL
		message string
		detail  []string
	}{
		{"status", func(c *consumer) { c.failOn = "ANNOTATION_CREATED" }, pipelineScenario, "",
			"t.yaml:7: step 4 (annotate): pipeline: #2 ANNOTATION_CREATED: answered 500, want 200",
			[]string{"expected (t.yaml:8): ANNOTATION_CREATED count 1 pipeline {status: 200, max_time: 5s}", "#2 ANNOTATION_CREATED at /hook (pipeline: 500 in"}},
		{"status class", func(c *consumer) { c.status = http.StatusAccepted }, strings.Replace(pipelineScenario, "status: 2xx", "status: 4xx", 1), "",
			"t.yaml:5: step 3 (import_tasks): pipeline: #1 TASKS_CREATED: answered 202, want 4xx", nil},
		{"slow", func(c *consumer) { c.delay = 50 * time.Millisecond }, strings.Replace(pipelineScenario, "max_time: 5s", "max_time: 10ms", 1), "",
			"t.yaml:7: step 4 (annotate): pipeline: #2 ANNOTATION_CREATED: answered in ", []string{"(pipeline: 200 in "}},
		{"slower than the mock's timeout", func(c *consumer) { c.delay = 300 * time.Millisecond }, "server: {webhook_timeout: 100ms}\n" + pipelineScenario, "",
			"t.yaml:6: step 3 (import_tasks): pipeline: #1 TASKS_CREATED: no answer: forward to ", []string{"(pipeline: no answer)"}},
		{"unreachable", nil, pipelineScenario, "http://" + loopback.ClosedAddr(t) + "/webhook",
			"t.yaml:5: step 3 (import_tasks): pipeline: #1 TASKS_CREATED: no answer: forward: Post \"http://", []string{"(pipeline: no answer)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, url := newConsumer(t)
			if tc.setup != nil {
				tc.setup(c)
			}
			pipe := tc.pipe
			if pipe == "" {
				pipe = url + "/webhook"
			}
			rep, out := runYAML(t, tc.src, Options{Pipeline: pipe})
			wantFail(t, rep, out, tc.message, tc.detail...)
			r := only(t, rep, out)
			if tc.name == "unreachable" && !strings.Contains(r.Message, "connection refused") {
				t.Errorf("message %q does not say why", r.Message)
			}
			if tc.name == "slower than the mock's timeout" && !strings.HasSuffix(r.Message, ": timed out: no answer within 100ms") {
				t.Errorf("message %q does not say it timed out", r.Message)
			}
			if tc.name == "slow" && !strings.HasSuffix(r.Message, ", want at most 10ms") {
				t.Errorf("message %q does not say the bound", r.Message)
			}
		})
	}
}

func TestRunPipelineKeyAndFlag(t *testing.T) {
	c1, url1 := newConsumer(t)
	c2, url2 := newConsumer(t)
	src := "pipeline: " + url1 + "/hook\n" + pipelineScenario
	rep, out := runYAML(t, src, Options{})
	wantPass(t, rep, out)
	rep, out = runYAML(t, src, Options{Pipeline: url2 + "/hook"})
	wantPass(t, rep, out)
	if n1, n2 := len(c1.got()), len(c2.got()); n1 != 2 || n2 != 2 {
		t.Errorf("the file's pipeline got %d webhooks, the flag's %d; want 2 each (the flag overrides the file)", n1, n2)
	}
}

func TestRunPipelineMissing(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"expectation", pipelineScenario, "t.yaml:6: needs the pipeline's URL: run with --pipeline URL or give the scenario pipeline: URL"},
		{"variable", `name: v
steps:
  - http: {url: "${pipeline.url}"}
`, "t.yaml:3: needs the pipeline's URL"},
		{"relative url", `name: r
steps:
  - create_project: {title: abc}
  - http: {url: /jobs}
`, "t.yaml:4: needs the pipeline's URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, out := runYAML(t, tc.src, Options{})
			wantFail(t, rep, out, tc.want)
		})
	}
}

// TestRunPipelineExternal relays through the shared receiver of external
// mode: the scenario with a pipeline gets its webhooks relayed, the one
// without does not.
func TestRunPipelineExternal(t *testing.T) {
	ls := servertest.NewServer(t)
	c, url := newConsumer(t)
	src := "- pipeline: " + url + "/hook\n  " + strings.ReplaceAll(strings.TrimSuffix(pipelineScenario, "\n"), "\n", "\n  ") + `
- name: no pipeline
  steps:
    - create_project: {title: Plain}
    - create_webhook: {project: "${project}", url: "${receiver.url}"}
    - import_tasks: {tasks: [{text: a}]}
      expect: [{action: TASKS_CREATED}]
`
	rep, out := runYAML(t, src, Options{Server: ls.URL, Token: ls.Token})
	if rep.Passed != 2 {
		t.Fatalf("%s\n%s", rep.Summary(), out)
	}
	if got := strings.Join(c.got(), ","); got != "TASKS_CREATED,ANNOTATION_CREATED" {
		t.Errorf("the pipeline got %s, want TASKS_CREATED,ANNOTATION_CREATED (and nothing of the scenario without a pipeline)", got)
	}
}

func TestRunHTTPStep(t *testing.T) {
	c, url := newConsumer(t)
	tests := []struct {
		name    string
		src     string
		message string
		detail  []string
	}{
		{"eventually passes once the answer matches", `name: e
steps:
  - http: {url: "` + url + `/jobs"}
    eventually: 10s
    response: {asked: 3}
    save: {asked: asked}
  - http: {url: "` + url + `/jobs", headers: {X-Trace: "${asked}"}}
    response: {asked: 4}
`, "", nil},
		{"eventually gives up with the last answer", `name: g
steps:
  - http: {url: "` + url + `/jobs"}
    eventually: 200ms
    response: {jobs: {$len: 5}}
`, "t.yaml:3: step 1 (http): GET " + url + "/jobs: the answer does not match response (eventually 200ms: asked ",
			[]string{"(len 5)", "(len 0)"}},
		{"status", `name: s
steps:
  - http: {url: "` + url + `/nothing", method: POST, body: {a: 1}}
    status: 404
`, "t.yaml:3: step 1 (http): POST " + url + "/nothing answered 200, want 404", nil},
		{"unreachable", `name: u
steps:
  - http: {url: "http://` + loopback.ClosedAddr(t) + `/jobs"}
`, "t.yaml:3: step 1 (http): Get \"http://", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.mu.Lock()
			c.gets = 0
			c.mu.Unlock()
			rep, out := runYAML(t, tc.src, Options{Verbose: true})
			if tc.message == "" {
				wantPass(t, rep, out)
				if want := "GET " + url + "/jobs (asked 3 times) -> 200"; !strings.Contains(out, want) {
					t.Errorf("output lacks %q:\n%s", want, out)
				}
				return
			}
			wantFail(t, rep, out, tc.message, tc.detail...)
			if tc.name == "unreachable" && !strings.Contains(only(t, rep, out).Message, "connection refused") {
				t.Errorf("message %q does not say why", only(t, rep, out).Message)
			}
		})
	}
}

// TestRunSettleCatchesLateEvents runs against an external server that
// sends a second event 200 ms after the step's call returned: only the
// settle window can see it, and it must fail the step.
func TestRunSettleCatchesLateEvents(t *testing.T) {
	body, err := os.ReadFile("../server/testdata/golden/tasks_created.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	ls := &fakeLS{body: body, late: true}
	srv := httptest.NewServer(ls)
	defer srv.Close()
	defer ls.wg.Wait() // the late post's goroutine is done before the server closes
	src := `name: late
steps:
  - create_webhook: {project: 1, url: "${receiver.url}"}
  - import_tasks: {project: 1, tasks: [{text: a}]}
    expect: [{action: TASKS_CREATED}]
`
	rep, out := runYAML(t, src, Options{Server: srv.URL, Token: "t", Settle: time.Second})
	wantFail(t, rep, out, "t.yaml:4: step 2 (import_tasks): want 1 TASKS_CREATED, got 2")
}

func TestRunGenerate(t *testing.T) {
	const config = `'<View><Image name="img" value="$image"/><RectangleLabels name="box" toName="img"><Label value="Car"/></RectangleLabels><Text name="caption" value="$caption"/></View>'`
	// The library's chunking.yaml imports 12000 at the default batch size.
	t.Run("data from the label config", func(t *testing.T) {
		rep, out := runYAML(t, `name: generate
steps:
  - create_project: {title: Generated, label_config: `+config+`}
  - create_webhook: {project: "${project}", url: "${receiver.url}"}
  - import_tasks: {generate: 5}
    expect: [{action: TASKS_CREATED, match: {tasks: {$len: 5}}}]
  - request: {path: "/api/tasks/${task_ids[4]}"}
    response: {data: {image: {$regex: "^https?://"}, caption: {$regex: "[a-z]"}}}
`, Options{})
		wantPass(t, rep, out)
	})

	// The same seed makes the same data; another seed, other data.
	scs, err := Parse("t.yaml", []byte(`name: seeded
steps:
  - create_project: {title: Seeded, label_config: `+config+`}
  - import_tasks: {generate: 3}
  - request: {path: "/api/tasks/${task_ids[2]}"}
    save: {last: data}
  - create_task: {generate: true}
  - request: {path: "/api/tasks/${task}"}
    response: {data: {image: {$any: true}, caption: {$any: true}}}
    save: {single: data}
`))
	if err != nil {
		t.Fatal(err)
	}
	runs := map[int64][]any{}
	for _, seed := range []int64{1, 1, 2} {
		r := &runner{opts: Options{Seed: seed}, client: http.DefaultClient}
		s := &scenarioRun{r: r, sc: scs[0]}
		stop, err := s.startLocal()
		if err != nil {
			t.Fatal(err)
		}
		s.vars = vars{"receiver": map[string]any{"url": s.hookURL}, "server": map[string]any{"url": s.api}}
		f := s.steps(context.Background())
		stop()
		if f != nil {
			t.Fatalf("seed %d: %s\n%s", seed, f.msg, strings.Join(f.detail, "\n"))
		}
		got := []any{s.vars["last"], s.vars["single"]}
		if prev, ok := runs[seed]; ok && !cmp.Equal(prev, got) {
			t.Errorf("seed %d made different data in two runs:\n%s", seed, cmp.Diff(prev, got))
		}
		runs[seed] = got
	}
	if cmp.Equal(runs[1], runs[2]) {
		t.Errorf("seeds 1 and 2 made the same data: %v", runs[1])
	}
}
