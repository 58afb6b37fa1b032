package scenarios

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/labelhook/labelhook/receiver"
	"github.com/labelhook/labelhook/server"
)

// summary is what a parse test checks of a scenario.
type parsed struct {
	Name   string
	Line   int
	Server *server.Config
	Steps  []string // kind@line, plus expectations as ACTION min-max
}

func summarize(scs []*Scenario) []parsed {
	var out []parsed
	for _, sc := range scs {
		p := parsed{Name: sc.Name, Line: sc.Line, Server: sc.Server}
		for _, st := range sc.steps {
			s := st.kind + "@" + itoa(st.line)
			for _, e := range st.expect {
				s += " " + string(e.action) + " " + itoa(e.min) + ".." + itoa(e.max)
			}
			p.Steps = append(p.Steps, s)
		}
		out = append(out, p)
	}
	return out
}

func itoa(i int) string {
	if i < 0 {
		return "-" + itoa(-i)
	}
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestParseGood(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []parsed
	}{
		{
			name: "one scenario",
			src: `name: import
steps:
  - create_project: {title: Sentiment}
  - import_tasks: {tasks: [{text: a}]}
    expect:
      - action: TASKS_CREATED
`,
			want: []parsed{{Name: "import", Line: 1, Steps: []string{"create_project@3", "import_tasks@4 TASKS_CREATED 1..1"}}},
		},
		{
			name: "count, min and max",
			src: `name: counts
steps:
  - create_project: {title: abc}
    expect:
      - {action: PROJECT_CREATED, count: 0}
      - {action: TASKS_CREATED, min: 2}
      - {action: TASKS_DELETED, max: 3}
      - {action: ANNOTATION_CREATED, min: 1, max: 2}
`,
			want: []parsed{{Name: "counts", Line: 1, Steps: []string{"create_project@3 PROJECT_CREATED 0..0 TASKS_CREATED 2..-1 TASKS_DELETED 0..3 ANNOTATION_CREATED 1..2"}}},
		},
		{
			name: "a list with server settings",
			src: `- name: a
  server: {webhook_batch_size: 2, async_delivery: true, max_consecutive_failures: 3, webhook_timeout: 0.5}
  steps: [{create_project: {title: abc}}]
- name: b
  server: {max_consecutive_failures: 0, webhook_timeout: 2s}
  steps: [{create_project: {title: abc}}]
`,
			want: []parsed{
				{Name: "a", Line: 1, Server: &server.Config{BatchSize: 2, AsyncDelivery: true, MaxConsecutiveFailures: 3, WebhookTimeout: 500 * time.Millisecond}, Steps: []string{"create_project@3"}},
				{Name: "b", Line: 4, Server: &server.Config{MaxConsecutiveFailures: -1, WebhookTimeout: 2 * time.Second}, Steps: []string{"create_project@6"}},
			},
		},
		{
			name: "scalar shorthand and defaults from saved variables",
			src: `name: shorthand
steps:
  - create_project: {title: abc}
  - create_task: {data: {x: 1}}
  - delete_task: "${task}"
  - delete_all_tasks:
  - delete_project: {}
`,
			want: []parsed{{Name: "shorthand", Line: 1, Steps: []string{"create_project@3", "create_task@4", "delete_task@5", "delete_all_tasks@6", "delete_project@7"}}},
		},
		{
			name: "a step may use what it saves in its own expectations",
			src: `name: own save
steps:
  - create_project: {title: abc}
    expect:
      - {action: PROJECT_CREATED, match: {project: {id: "${project}"}}}
`,
			want: []parsed{{Name: "own save", Line: 1, Steps: []string{"create_project@3 PROJECT_CREATED 1..1"}}},
		},
		{
			name: "receiver plans",
			src: `name: plans
steps:
  - receiver: {status: 500, times: 3}
  - receiver: [{status: 503}, {delay: 1s}]
  - receiver: {reset: true}
`,
			want: []parsed{{Name: "plans", Line: 1, Steps: []string{"receiver@3", "receiver@4", "receiver@5"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scs, err := Parse("t.yaml", []byte(tt.src))
			if err != nil {
				t.Fatalf("Parse:\n%s\nerror: %v", tt.src, err)
			}
			if diff := cmp.Diff(tt.want, summarize(scs)); diff != "" {
				t.Errorf("Parse:\n%s\n(-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestParseReceiverPlan(t *testing.T) {
	scs, err := Parse("t.yaml", []byte(`name: plans
steps:
  - receiver: [{status: 503, times: 2}, {delay: 1500ms}]
  - receiver: {reset: true}
`))
	if err != nil {
		t.Fatal(err)
	}
	want := []receiver.Step{{Status: 503, Times: 2}, {Status: 200, Times: 1, Delay: 1500 * time.Millisecond}}
	if diff := cmp.Diff(want, scs[0].steps[0].plan); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
	if !scs[0].steps[1].reset {
		t.Error("reset: true did not set reset")
	}
}

// TestParseErrors pins the messages: each names the file and the line.
func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"unknown action", `name: x
steps:
  - create_project: {title: abc}
    expect:
      - action: TASK_CREATED
`, `t.yaml:5: unknown action "TASK_CREATED" (did you mean TASKS_CREATED?)`},
		{"unknown action without suggestion", `name: x
steps:
  - create_project: {title: abc}
    expect: [{action: HELLO}]
`, `t.yaml:4: unknown action "HELLO" (want one of: PROJECT_CREATED, PROJECT_UPDATED, PROJECT_DELETED, TASKS_CREATED, TASKS_DELETED, ANNOTATION_CREATED, ANNOTATIONS_CREATED, ANNOTATION_UPDATED, ANNOTATIONS_DELETED, LABEL_LINK_CREATED, LABEL_LINK_UPDATED, LABEL_LINK_DELETED)`},
		{"unknown step", `name: x
steps:
  - import_task: {tasks: []}
`, `t.yaml:3: unknown step "import_task" (did you mean import_tasks?)`},
		{"unknown step far from any", `name: x
steps:
  - frobnicate: 1
`, `t.yaml:3: unknown step "frobnicate" (want one of: annotate, create_export, create_labels, create_local_storage, create_prediction, create_project, create_task, create_webhook, delete_all_tasks, delete_annotation, delete_label_link, delete_project, delete_task, delete_webhook, dm_action, http, import_tasks, receiver, request, skip, sync_storage, update_annotation, update_label_link, update_project, update_webhook, upload_file)`},
		{"step with no name", `name: x
steps:
  - expect: []
`, `t.yaml:3: the step names no action: want one of annotate, create_export, create_labels, create_local_storage, create_prediction, create_project, create_task, create_webhook, delete_all_tasks, delete_annotation, delete_label_link, delete_project, delete_task, delete_webhook, dm_action, http, import_tasks, receiver, request, skip, sync_storage, update_annotation, update_label_link, update_project, update_webhook, upload_file`},
		{"two step names", `name: x
steps:
  - create_project: {title: abc}
    delete_project: 1
`, `t.yaml:4: two step names in one step: create_project and delete_project (write two steps)`},
		{"unknown step key", `name: x
steps:
  - create_project: {title: abc}
    expcet: []
`, `t.yaml:4: unknown key "expcet" in the create_project step (did you mean expect?)`},
		{"unknown argument", `name: x
steps:
  - create_project: {title: abc}
  - import_tasks: {projct: 1, tasks: []}
`, `t.yaml:4: unknown key "projct" in import_tasks (did you mean project?)`},
		{"unknown scenario key", `name: x
stpes: []
`, "t.yaml:2: unknown key \"stpes\" in the scenario (did you mean steps?)\nt.yaml:1: scenario has no steps"},
		{"unknown server key", `name: x
server: {batch_size: 2}
steps: [{create_project: {title: abc}}]
`, `t.yaml:2: unknown key "batch_size" in server (did you mean webhook_batch_size?)`},
		{"unknown variable", `name: x
steps:
  - create_project: {title: abc}
  - import_tasks: {project: "${projct}", tasks: []}
`, `t.yaml:4: unknown variable ${projct} (did you mean ${project}?)`},
		{"unknown variable without suggestion", `name: x
steps:
  - create_webhook: {url: "${receiver.url}/${nothing}"}
`, `t.yaml:3: unknown variable ${nothing} (saved so far: receiver, server)`},
		{"variable saved later", `name: x
steps:
  - request: {path: "/api/tasks/${task}"}
  - create_task: {project: 1, data: {}}
`, `t.yaml:3: unknown variable ${task} (saved so far: receiver, server)`},
		{"bad reference syntax", `name: x
steps:
  - request: {path: "/api/tasks/${task ids}"}
`, `t.yaml:3: bad variable reference ${task ids}: want ${name}, ${name.key} or ${name[0]}`},
		{"unclosed reference", `name: x
steps:
  - request: {path: "/api/tasks/${task"}
`, `t.yaml:3: unclosed ${ in "/api/tasks/${task"`},
		{"receiver has only url", `name: x
steps:
  - create_webhook: {url: "${receiver.address}"}
`, `t.yaml:3: bad variable reference ${receiver.address}: receiver has only url (${receiver.url})`},
		{"missing default id", `name: x
steps:
  - import_tasks: {tasks: [{a: 1}]}
`, `t.yaml:3: import_tasks needs project: give project: or save ${project} in an earlier step`},
		{"missing required key", `name: x
steps:
  - create_project: {title: abc}
  - import_tasks: {}
`, `t.yaml:4: import_tasks needs tasks (or generate)`},
		{"wrong argument type", `name: x
steps:
  - create_project: {title: abc}
  - import_tasks: {tasks: abc}
  - delete_task: {task: abc}
  - update_project: {method: POST}
  - request: {method: FETCH, path: api/tasks}
`, "t.yaml:4: tasks: want a list or a mapping, got \"abc\"\n" +
			"t.yaml:5: task: want an id (a number or ${variable}), got \"abc\"\n" +
			"t.yaml:6: method: want PATCH or PUT, got \"POST\"\n" +
			"t.yaml:7: method: want an HTTP method (GET, POST, PUT, PATCH, DELETE), got \"FETCH\"\n" +
			"t.yaml:7: path: want a path that starts with /, got \"api/tasks\""},
		{"bad count", `name: x
steps:
  - create_project: {title: abc}
    expect:
      - {action: PROJECT_CREATED, count: one}
      - {action: PROJECT_CREATED, count: -1}
      - {action: PROJECT_CREATED, count: 1, min: 1}
      - {action: PROJECT_CREATED, min: 3, max: 2}
      - {count: 1}
`, "t.yaml:5: count: want a whole number, 0 or more, got \"one\"\n" +
			"t.yaml:6: count: want a whole number, 0 or more, got -1\n" +
			"t.yaml:7: count cannot be combined with min or max\n" +
			"t.yaml:8: min 3 is more than max 2\n" +
			"t.yaml:9: expected event has no action"},
		{"unknown expectation key", `name: x
steps:
  - create_project: {title: abc}
    expect: [{action: PROJECT_CREATED, mach: {}}]
`, `t.yaml:4: unknown key "mach" in the expected event (did you mean match?)`},
		{"expect must be a list", `name: x
steps:
  - create_project: {title: abc}
    expect:
`, `t.yaml:4: expect: want a list of expected events ([] for none), got nothing (null)`},
		{"within and others need expect, and good values", `name: x
steps:
  - create_project: {title: abc}
    within: 2s
  - create_project: {title: abc}
    expect: []
    within: soon
    others: maybe
    ordered: yes
`, "t.yaml:4: within needs an expect list in the same step\n" +
			"t.yaml:7: within: want a duration such as 2s or 500ms (or a number of seconds) above zero, got \"soon\"\n" +
			"t.yaml:9: ordered: want true or false, got \"yes\"\n" +
			"t.yaml:8: others: want allow or forbid, got \"maybe\""},
		{"matchers", `name: x
steps:
  - create_project: {title: abc}
    expect:
      - action: PROJECT_CREATED
        match:
          $absent: true
      - action: PROJECT_CREATED
        match:
          project: {$lenght: 3}
          tasks: {$len: 3, id: 1}
          title: {$regex: "("}
          x: {$any: false}
          y: {$absent: true, $any: true}
          z: {$contains: 3}
`, "t.yaml:7: $absent only works as the value of a key: {key: {$absent: true}}\n" +
			"t.yaml:10: unknown operator $lenght (did you mean $len?)\n" +
			"t.yaml:11: key \"id\" cannot be mixed with $ operators in one mapping\n" +
			"t.yaml:12: $regex: error parsing regexp: missing closing ): `(`\n" +
			"t.yaml:13: $any: only true makes sense (use $absent: true for a key that must not be there)\n" +
			"t.yaml:14: $absent cannot be combined with other operators\n" +
			"t.yaml:15: $contains: want a list of patterns, got 3"},
		{"receiver plan", `name: x
steps:
  - receiver: {status: 99}
  - receiver: {status: 500, times: 0, wait: 1s}
  - receiver: {reset: true, status: 500}
  - receiver: []
  - receiver:
  - receiver: {status: 500}
    expect: []
`, "t.yaml:3: status: want an HTTP status, 200 to 599, got 99\n" +
			"t.yaml:4: times: want a whole number, 1 or more, got 0\n" +
			"t.yaml:4: unknown key \"wait\" in the receiver answer (want one of: status, times, delay)\n" +
			"t.yaml:5: reset cannot be combined with an answer\n" +
			"t.yaml:6: receiver: the list is empty (use {reset: true} to answer 200 again)\n" +
			"t.yaml:7: receiver: want {status: 500, times: 3}, a list of those, or {reset: true}, got nothing (null)\n" +
			"t.yaml:9: a receiver step takes no expect: it sends no request and causes no events"},
		{"save", `name: x
steps:
  - create_project: {title: abc}
    save: {"task-id": id, server: id, ok: "tasks[x]"}
`, "t.yaml:4: save: \"task-id\" is not a variable name (letters, digits and _)\n" +
			"t.yaml:4: save: server is a built-in variable\n" +
			"t.yaml:4: save ok: path \"tasks[x]\": index \"x\" is not a number 0 or more"},
		{"status twice and out of range", `name: x
steps:
  - request: {path: /api/version, status: 200}
    status: 200
  - request: {path: /api/version}
    status: 700
`, "t.yaml:4: status is given twice: in the request and in the step\n" +
			"t.yaml:6: status: want an HTTP status, 100 to 599, got 700"},
		{"duplicate key", `name: x
name: y
steps: [{create_project: {title: abc}}]
`, `t.yaml:2: key "name" is given twice (first at line 1)`},
		{"no name and empty steps", `steps: []
`, "t.yaml:1: scenario has no name\nt.yaml:1: steps: the list is empty"},
		{"name used twice in a file", `- {name: a, steps: [{create_project: {title: abc}}]}
- {name: a, steps: [{create_project: {title: abc}}]}
`, `t.yaml:2: scenario name "a" is already used at line 1`},
		{"not a scenario", `just text
`, `t.yaml:1: want a scenario (a mapping with name and steps) or a list of them, got "just text"`},
		{"list item not a scenario", `- 3
`, `t.yaml:1: a list item must be a scenario (a mapping with name and steps), got 3`},
		{"empty file", ``, `t.yaml:1: no scenario in the file: want a mapping with name and steps, or a list of them`},
		{"comments only", "# nothing yet\n", `t.yaml:1: no scenario in the file: want a mapping with name and steps, or a list of them`},
		{"YAML syntax", `name: x
steps: [{create_project: {title: abc}
`, `t.yaml:1: did not find expected ',' or '}'`},
		{"YAML syntax without a line", `name: x: y
`, `t.yaml: mapping values are not allowed in this context`},
		{"merge keys", `base: &b {title: abc}
name: x
steps: [{create_project: {<<: *b}}]
`, "t.yaml:3: merge keys (<<) are not supported: repeat the keys\nt.yaml:1: unknown key \"base\" in the scenario (did you mean name?)"},
		{"values JSON cannot hold", `name: x
steps:
  - create_project: {title: abc, n: .inf, t: !custom x}
`, "t.yaml:3: .inf is not a JSON number\nt.yaml:3: unsupported tag !custom"},
		{"alias bomb", `a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]
name: x
steps: [{create_project: {title: *f}}]
`, `t.yaml:1: the file expands to more than 100000 values (too many aliases?)`},
		{"bad server values", `name: x
server: {webhook_batch_size: 0, async_delivery: maybe, max_consecutive_failures: -1, webhook_timeout: 0}
steps: [{create_project: {title: abc}}]
`, "t.yaml:2: webhook_batch_size: want a whole number, 1 or more, got 0\n" +
			"t.yaml:2: async_delivery: want true or false, got \"maybe\"\n" +
			"t.yaml:2: max_consecutive_failures: want a whole number, 0 or more, got -1\n" +
			"t.yaml:2: webhook_timeout: want a duration such as 2s or 500ms (or a number of seconds) above zero, got 0"},
		{"bad pipeline URL", `name: x
pipeline: localhost:8000/hook
steps: [{create_project: {title: abc}}]
`, `t.yaml:2: pipeline: want an http:// or https:// URL, got "localhost:8000/hook"`},
		{"bad pipeline expectation", `name: x
steps:
  - create_project: {title: abc}
    expect:
      - {action: PROJECT_CREATED, pipeline: {status: 2x, max_tim: 1s}}
      - {action: PROJECT_CREATED, pipeline: {status: 99, max_time: 0}}
      - {action: PROJECT_CREATED, pipeline: 200}
`, "t.yaml:5: pipeline status: want 2xx (any of a class: 1xx to 5xx) or an HTTP status such as 202, got \"2x\"\n" +
			"t.yaml:5: unknown key \"max_tim\" in pipeline (did you mean max_time?)\n" +
			"t.yaml:6: pipeline status: want an HTTP status, 100 to 599, got 99\n" +
			"t.yaml:6: max_time: want a duration such as 2s or 500ms (or a number of seconds) above zero, got 0\n" +
			"t.yaml:7: pipeline: want a mapping such as {status: 2xx, max_time: 1s}, got 200"},
		{"generate", `name: x
steps:
  - create_project: {title: abc}
  - import_tasks: {generate: 0}
  - import_tasks: {generate: 3, tasks: [{a: 1}]}
  - create_task: {generate: false}
  - create_task: {generate: true, data: {a: 1}}
  - create_task: {}
`, "t.yaml:4: generate: want a whole number, 1 or more, got 0\n" +
			"t.yaml:5: import_tasks takes tasks or generate, not both\n" +
			"t.yaml:6: generate: only true makes sense (leave it out otherwise)\n" +
			"t.yaml:7: create_task takes data or generate, not both\n" +
			"t.yaml:8: create_task needs data (or generate)"},
		{"http and eventually", `name: x
steps:
  - http: {url: "localhost/jobs", method: FETCH}
  - http: {method: GET}
    eventually: soon
  - receiver: {status: 500}
    eventually: 1s
  - create_project: {title: abc}
    save: {pipeline: id}
`, "t.yaml:3: url: want an http:// or https:// URL, got \"localhost/jobs\", or a path that starts with / (resolved against the pipeline's URL)\n" +
			"t.yaml:3: method: want an HTTP method (GET, POST, PUT, PATCH, DELETE), got \"FETCH\"\n" +
			"t.yaml:4: http needs url\n" +
			"t.yaml:5: eventually: want a duration such as 2s or 500ms (or a number of seconds) above zero, got \"soon\"\n" +
			"t.yaml:7: a receiver step takes no eventually: it sends no request and causes no events\n" +
			"t.yaml:9: save: pipeline is a built-in variable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scs, err := Parse("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("Parse:\n%s\ngot %d scenarios, want error:\n%s", tt.src, len(scs), tt.want)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, want ErrorList", err)
			}
			if scs != nil {
				t.Errorf("Parse returned %d scenarios along with the error", len(scs))
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Parse:\n%s\nerror (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestParseErrorLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("name: x\nsteps:\n")
	for range 30 {
		b.WriteString("  - nope: 1\n")
	}
	_, err := Parse("t.yaml", []byte(b.String()))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != maxErrors {
		t.Fatalf("got %d errors (%v), want %d", len(list), err, maxErrors)
	}
}

func TestLoad(t *testing.T) {
	scs, err := Load("testdata/minimal.yaml", "testdata/list.yaml", "testdata/documents.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sc := range scs {
		names = append(names, sc.File+":"+itoa(sc.Line)+" "+sc.Name)
	}
	want := []string{
		"testdata/minimal.yaml:1 minimal",
		"testdata/list.yaml:1 first in a list",
		"testdata/list.yaml:5 second in a list",
		"testdata/documents.yaml:1 first document",
		"testdata/documents.yaml:6 second document",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("Load (-want +got):\n%s", diff)
	}
	// The alias in documents.yaml stands for its anchor's value.
	if v := scs[3].steps[1].args.Content[1].Value; v != "Anchored" {
		t.Errorf("alias *t = %q, want Anchored", v)
	}
}

func TestLoadFolderAndErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.yaml", "name: same\nsteps: [{create_project: {title: abc}}]\n")
	write("b.yml", "name: same\nsteps: [{create_project: {title: abc}}]\n")
	write("c.yaml", "name: broken\nsteps: [{nope: 1}]\n")
	write("notes.txt", "not a scenario")
	_, err := Load(dir)
	want := filepath.Join(dir, "c.yaml") + ":2: unknown step \"nope\" (want one of: " + strings.Join(stepNames(), ", ") + ")\n" +
		filepath.Join(dir, "b.yml") + ":1: scenario name \"same\" is already used at " + filepath.Join(dir, "a.yaml") + ":1"
	if err == nil || err.Error() != want {
		t.Errorf("Load(dir) error:\n%v\nwant:\n%s", err, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want a not-exist error", err)
	}
}

func TestLibraryParses(t *testing.T) {
	scs, err := Load("library")
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) < 30 {
		t.Errorf("the library has %d scenarios, want at least 30", len(scs))
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load("testdata/errors.yaml")
	want := "testdata/errors.yaml:3: unknown step \"import_task\" (did you mean import_tasks?)\n" +
		"testdata/errors.yaml:6: unknown action \"TASK_CREATED\" (did you mean TASKS_CREATED?)\n" +
		"testdata/errors.yaml:6: count cannot be combined with min or max"
	if err == nil || err.Error() != want {
		t.Errorf("Load(testdata/errors.yaml) error:\n%v\nwant:\n%s", err, want)
	}
}
