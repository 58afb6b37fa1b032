package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

const runPassing = `name: import sends one event
steps:
  - create_project: {title: Import}
  - create_webhook: {project: "${project}", url: "${receiver.url}"}
  - import_tasks: {tasks: [{text: a}, {text: b}]}
    expect:
      - {action: TASKS_CREATED, match: {tasks: {$len: 2}}}
`

const runFailing = `name: import wants the wrong count
steps:
  - create_project: {title: Import}
  - create_webhook: {project: "${project}", url: "${receiver.url}"}
  - import_tasks: {tasks: [{text: a}, {text: b}]}
    expect:
      - {action: TASKS_CREATED, count: 2}
`

// writeScenarios writes name -> content files into a new folder.
func writeScenarios(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// runCmd runs `labelhook run args...` and returns its stdout, stderr and
// error.
func runCmd(t *testing.T, vars map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"run"}, args...), mapEnv(vars), &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestRunCommandPasses(t *testing.T) {
	dir := writeScenarios(t, map[string]string{"a.yaml": runPassing})
	out, errOut, err := runCmd(t, nil, "-v", dir)
	if err != nil {
		t.Fatalf("run: %v\n%s%s", err, out, errOut)
	}
	wantContains(t, "output", out, "=== RUN   import sends one event\n", "step 3 (import_tasks): POST /api/projects/1/import?return_task_ids=true -> 201, events: TASKS_CREATED at /\n", "--- PASS: import sends one event (")
	if !strings.HasSuffix(out, "\n1 passed, 0 failed\n") || errOut != "" {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
}

func TestRunCommandFailureIsExit1(t *testing.T) {
	dir := writeScenarios(t, map[string]string{"a.yaml": runPassing, "b.yaml": runFailing})
	junit := filepath.Join(t.TempDir(), "report.xml")
	out, _, err := runCmd(t, nil, "--junit", junit, dir)
	if code := exitCode(err); code != 1 || !errors.Is(err, errSilent) {
		t.Fatalf("exit %d (%v), want 1 and silent\n%s", code, err, out)
	}
	if !strings.Contains(out, "--- FAIL: import wants the wrong count (") ||
		!strings.Contains(out, "b.yaml:5: step 3 (import_tasks): want 2 TASKS_CREATED, got 1") ||
		!strings.HasSuffix(out, "\n1 passed, 1 failed\n") {
		t.Errorf("output:\n%s", out)
	}
	data, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit report is not XML: %v\n%s", err, data)
	}
	if doc.Tests != 2 || doc.Failures != 1 || len(doc.Suites) != 2 {
		t.Errorf("JUnit: %+v\n%s", doc, data)
	}
}

func TestRunCommandParseErrorRunsNothing(t *testing.T) {
	dir := writeScenarios(t, map[string]string{
		"a.yaml": runPassing,
		"b.yaml": strings.Replace(runFailing, "TASKS_CREATED", "TASK_CREATED", 1),
	})
	out, errOut, err := runCmd(t, nil, dir)
	if code := exitCode(err); code != 2 || !errors.Is(err, errSilent) {
		t.Fatalf("exit %d (%v), want 2 and silent", code, err)
	}
	want := filepath.Join(dir, "b.yaml") + `:7: unknown action "TASK_CREATED" (did you mean TASKS_CREATED?)` + "\n"
	if errOut != want || out != "" {
		t.Errorf("stderr %q, want %q; stdout %q, want nothing run", errOut, want, out)
	}
}

func TestRunCommandSelectsByName(t *testing.T) {
	dir := writeScenarios(t, map[string]string{"a.yaml": runPassing, "b.yaml": runFailing})
	out, _, err := runCmd(t, nil, "--run", "sends one", dir)
	if err != nil || strings.Contains(out, "wrong count") || !strings.HasSuffix(out, "\n1 passed, 0 failed\n") {
		t.Errorf("--run: %v\n%s", err, out)
	}
}

func TestRunCommandUsageErrors(t *testing.T) {
	dir := writeScenarios(t, map[string]string{"a.yaml": runPassing})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no paths", nil, "run needs at least one scenario file or folder"},
		{"missing file", []string{filepath.Join(dir, "nope.yaml")}, "no such file"},
		{"empty folder", []string{t.TempDir()}, "no scenario found"},
		{"bad run expression", []string{"--run", "(", dir}, "--run: bad regular expression"},
		{"nothing selected", []string{"--run", "zzz", dir}, `no scenario matches --run "zzz" (1 scenario(s) found)`},
		{"negative settle", []string{"--settle", "-1s", dir}, `invalid value "-1s" for --settle: want 0 or more`},
		{"zero parallel", []string{"--parallel", "0", dir}, "--parallel must be 1 or more"},
		{"receiver flags without server", []string{"--receiver-url", "http://x:1", dir}, "--receiver-addr and --receiver-url need --server"},
		{"bad server", []string{"--server", "localhost:8080", dir}, `--server: want an http:// or https:// URL, got "localhost:8080"`},
		{"bad receiver URL", []string{"--server", "http://127.0.0.1:1", "--receiver-url", "x", dir}, `--receiver-url: want an http:// or https:// URL, got "x"`},
		{"bad pipeline URL", []string{"--pipeline", "127.0.0.1:8000/hook", dir}, `--pipeline: want an http:// or https:// URL, got "127.0.0.1:8000/hook"`},
		{"bad seed", []string{"--seed", "one", dir}, `invalid value "one" for --seed`},
		{"junit in a missing folder", []string{"--junit", filepath.Join(dir, "no", "r.xml"), dir}, "--junit: open"},
		{"unknown flag", []string{"--nope", dir}, "unknown flag --nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, err := runCmd(t, nil, tt.args...)
			if code := exitCode(err); code != 2 || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run %q: exit %d, error %v; want exit 2 with %q", tt.args, code, err, tt.want)
			}
			if strings.Contains(out, "=== RUN") {
				t.Errorf("run %q ran scenarios:\n%s", tt.args, out)
			}
		})
	}
}

// TestRunCommandAgainstServe runs scenarios against `labelhook serve`
// started separately with --webhook-batch-size 1, the server named by the
// environment: the bulk-import expectation must fail, and a scenario that
// needs its own server settings is skipped.
func TestRunCommandAgainstServe(t *testing.T) {
	url, _, _ := startServe(t, []string{"--addr", "127.0.0.1:0", "--webhook-batch-size", "1"}, nil)
	dir := writeScenarios(t, map[string]string{
		"a.yaml": runPassing,
		"b.yaml": "name: needs settings\nserver: {webhook_batch_size: 2}\nsteps: [{create_project: {title: Never}}]\n",
	})
	out, _, err := runCmd(t, map[string]string{"LABELHOOK_SERVER": url}, dir)
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit %d (%v), want 1\n%s", code, err, out)
	}
	wantContains(t, "output", out,
		"a.yaml:5: step 3 (import_tasks): want 1 TASKS_CREATED matching, got 0",
		"events during the step (2):",
		"--- SKIP: needs settings",
		"\n1 skipped\n0 passed, 1 failed\n",
	)
}

// TestRunCommandPipeline relays the webhooks to a pipeline named by
// --pipeline (or LABELHOOK_PIPELINE) and fails when it answers 500.
func TestRunCommandPipeline(t *testing.T) {
	var mu sync.Mutex
	status := http.StatusOK
	var got int
	pipe := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got++
		w.WriteHeader(status)
	}))
	defer pipe.Close()
	dir := writeScenarios(t, map[string]string{"p.yaml": strings.Replace(runPassing, "{$len: 2}}", "{$len: 2}}, pipeline: {status: 2xx}", 1)})

	out, errOut, err := runCmd(t, nil, "--pipeline", pipe.URL+"/hook", dir)
	if err != nil {
		t.Fatalf("run --pipeline: %v\n%s%s", err, out, errOut)
	}
	mu.Lock()
	status = http.StatusInternalServerError
	mu.Unlock()
	out, _, err = runCmd(t, map[string]string{"LABELHOOK_PIPELINE": pipe.URL + "/hook"}, dir)
	if code := exitCode(err); code != 1 || !strings.Contains(out, "pipeline: #1 TASKS_CREATED: answered 500, want 2xx") {
		t.Errorf("against a failing pipeline: exit %d, want 1 naming the answer\n%s", code, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if got != 2 {
		t.Errorf("the pipeline got %d webhooks, want 2", got)
	}
}
